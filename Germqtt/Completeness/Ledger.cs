namespace Germqtt.Completeness;

/// <summary>
/// The events germqtt has handed on lately, by identity: what a catch-up must not publish again,
/// and what a live event that a catch-up already published is recognised by. Only recent seconds
/// matter (a catch-up's window starts at the newest of them), so older entries are forgotten.
/// </summary>
public sealed class Ledger
{
    /// <summary>Seconds of creation time kept behind the newest event.</summary>
    public static readonly long RetainSeconds = 600;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = [];
    private readonly Queue<(long CreatedOn, string Identity)> _byAge = new();
    private long? _newest;

    private readonly record struct Entry(long CreatedOn, bool Recovered);

    /// <summary>Creation time (Unix seconds) of the newest event handed on; null before the first.</summary>
    public long? Newest
    {
        get { lock (_lock) return _newest; }
    }

    /// <summary>An event handed on; <paramref name="recovered"/> when it came from the events-log or the spool.</summary>
    public void Add(EventStamp stamp, bool recovered)
    {
        lock (_lock)
        {
            if (stamp.CreatedOn > (_newest ?? long.MinValue)) _newest = stamp.CreatedOn;
            foreach (var key in stamp.Keys())
                if (_entries.TryAdd(key, new Entry(stamp.CreatedOn, recovered)))
                    _byAge.Enqueue((stamp.CreatedOn, key));
            Forget();
        }
    }

    /// <summary>Moves the newest creation time on for an event that has no identity.</summary>
    public void Saw(long createdOn)
    {
        lock (_lock)
            if (createdOn > (_newest ?? long.MinValue)) _newest = createdOn;
    }

    /// <summary>Sets where the last run left off, so that a gap at start begins there.</summary>
    public void Resume(long createdOn, IEnumerable<string> identities)
    {
        lock (_lock)
        {
            _newest = Math.Max(_newest ?? long.MinValue, createdOn);
            foreach (var identity in identities)
                if (_entries.TryAdd(identity, new Entry(createdOn, false)))
                    _byAge.Enqueue((createdOn, identity));
        }
    }

    public bool Contains(string identity)
    {
        lock (_lock) return _entries.ContainsKey(identity);
    }

    /// <summary>True for an event a catch-up (or the spool) published: its live copy is a duplicate.</summary>
    public bool WasRecovered(EventStamp stamp)
    {
        lock (_lock) return stamp.Keys().Any(key => _entries.TryGetValue(key, out var entry) && entry.Recovered);
    }

    private void Forget()
    {
        // Creation times are not strictly in order; the queue is trimmed from the oldest added.
        while (_byAge.Count > 0 && (_byAge.Peek().CreatedOn < _newest - RetainSeconds || _byAge.Count > 1_000_000))
            _entries.Remove(_byAge.Dequeue().Identity);
    }
}
