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
        if (stamp is { } s) _identities.UnionWith(s.Keys());
    }

    public bool Contains(string identity) => _identities.Contains(identity);

    /// <summary>Takes the events up to and including the one known by <paramref name="identity"/>, in their order.</summary>
    public List<(GerritEvent Event, EventStamp? Stamp)> TakeThrough(string identity)
    {
        int last = _events.FindIndex(e => e.Stamp is { } s && s.Keys().Contains(identity));
        var taken = _events.GetRange(0, last + 1);
        _events.RemoveRange(0, last + 1);
        foreach (var (_, stamp) in taken)
            if (stamp is { } s) _identities.ExceptWith(s.Keys());
        return taken;
    }

    public void Dispose() => _expiry.Dispose();
}
