namespace Germqtt.Completeness;

/// <summary>
/// The events-log's return limit, as learnt from its answers: it cuts a page without saying so,
/// and a page is known to have been cut when the next one, asked from its last second, brings
/// later events. Only a page that lies within one second needs the limit: it cannot be paged past.
/// </summary>
public sealed class PageLimit
{
    private int _known;

    public void Saw(int cutPageSize)
    {
        if (cutPageSize > _known) _known = cutPageSize;
    }

    /// <summary>True when a page of <paramref name="count"/> lines was (as far as is known) cut.</summary>
    public bool Reached(int count) => _known > 0 && count >= _known;
}
