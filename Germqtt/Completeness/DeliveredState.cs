namespace Germqtt.Completeness;

/// <summary>
/// What the broker has acknowledged, kept for the state file: the newest creation time and the
/// identities of that second. Saved at most once per <see cref="SaveInterval"/> and at stop, so a
/// crash repeats at most about the last second's events at the next start.
/// </summary>
public sealed class DeliveredState(StateFile? file, Log log)
{
    public static readonly TimeSpan SaveInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly HashSet<string> _identities = [];
    private long? _last;
    private bool _dirty;
    private bool _failing;

    public StateFile? File => file;

    /// <summary>Starts from what the last run saved.</summary>
    public void Resume(long last, IEnumerable<string> identities)
    {
        lock (_lock)
        {
            _last = last;
            _identities.UnionWith(identities);
        }
    }

    /// <summary>The broker acknowledged (or set aside) an event: it is done with.</summary>
    public void Delivered(RoutedEvent message)
    {
        if (file is null || message.Stamp is not { } stamp) return;
        lock (_lock)
        {
            if (stamp.CreatedOn < _last) return;
            if (stamp.CreatedOn > _last || _last is null)
            {
                _last = stamp.CreatedOn;
                _identities.Clear();
            }
            _identities.UnionWith(stamp.Keys());
            _dirty = true;
        }
    }

    /// <summary>Saves every <see cref="SaveInterval"/> while something changed, until <paramref name="stop"/>.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        if (file is null) return;
        using var timer = new PeriodicTimer(SaveInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop)) Save();
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Writes the state if it changed since the last write.</summary>
    public void Save()
    {
        if (file is null) return;
        long last;
        string[] identities;
        lock (_lock)
        {
            if (!_dirty || _last is null) return;
            last = _last.Value;
            identities = [.. _identities];
            _dirty = false;
        }
        try
        {
            file.Save(last, identities);
            if (_failing) log.Info($"state file {file.Path} written again");
            _failing = false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            lock (_lock) _dirty = true;
            // Once per failing stretch: a full disk would otherwise log every second.
            if (!_failing) log.Warning($"state file {file.Path} not written: {e.Message}");
            _failing = true;
        }
    }
}
