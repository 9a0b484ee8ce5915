namespace Germqtt.Completeness;

/// <summary>
/// The events-log's return limit, as learnt from its answers: it cuts a page without saying so.
/// A page is known to have been cut when the next one, asked from its last second, brings later
/// events; an answer of n lines shows the limit is at least n. Only a page that lies within one
/// second needs the limit: it cannot be paged past.
/// </summary>
public sealed class PageLimit
{
    private int _known;
    private int _atLeast;

    /// <summary>A page of <paramref name="cutPageSize"/> lines was cut.</summary>
    public void Saw(int cutPageSize)
    {
        if (cutPageSize > _known) _known = cutPageSize;
    }

    /// <summary>An answer had <paramref name="count"/> lines: the limit is no lower.</summary>
    public void AtLeast(int count)
    {
        if (count > _atLeast) _atLeast = count;
    }

    /// <summary>Whether a page of <paramref name="count"/> lines was cut; null when that cannot be told yet.</summary>
    public bool? Cut(int count) =>
        count < _atLeast ? false
        : _known > 0 && count >= _known ? true
        : null;

    /// <summary>True when a page of <paramref name="count"/> lines was (as far as is known) cut.</summary>
    public bool Reached(int count) => Cut(count) == true;
}
