namespace Germqtt.Completeness;

/// <summary>Live events held back while a catch-up publishes what came before them; let go after <see cref="GapKeeper.HoldMax"/> at the latest.</summary>
internal sealed class HeldEvents : IDisposable
{
    private readonly List<(GerritEvent Event, EventStamp? Stamp)> _events = [];
    private readonly HashSet<string> _identities = [];
    private readonly Timer _expiry;

    public HeldEvents(TimeSpan hold, Action<HeldEvents> expired)
    {
        _expiry = new Timer(_ => expired(this), null, hold, Timeout.InfiniteTimeSpan);
    }

    public int Count => _events.Count;

    public IReadOnlyList<(GerritEvent Event, EventStamp? Stamp)> Events => _events;

    public void Add(GerritEvent gerritEvent, EventStamp? stamp)
    {
        _events.Add((gerritEvent, stamp));
        if (stamp is { } s) _identities.Add(s.Identity);
    }

    public bool Contains(string identity) => _identities.Contains(identity);

    public void Dispose() => _expiry.Dispose();
}
