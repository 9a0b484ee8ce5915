namespace Germqtt.Completeness;

/// <summary>
/// Everything that carries the stream across gaps, wired once: the ledger of events handed on, the
/// gap keeper (with the events-log client when [gerrit] http_url is set), and, with a
/// [default] state_file, the state of what was delivered and the spool of what was not.
/// </summary>
public sealed class Continuity : IDisposable
{
    private readonly GermqttOptions _options;
    private readonly Log _log;
    private readonly EventBuffer _buffer;
    private readonly Ledger _ledger = new();
    private readonly EventsLogClient? _eventsLog;
    private readonly DeliveredState _state;
    private readonly Spool? _spool;

    /// <param name="keepsState">Read and write the state file and the spool (not for --dry-run).</param>
    public Continuity(GermqttOptions options, Log log, Counters counters, EventRouter router, EventBuffer buffer, bool keepsState)
    {
        _options = options;
        _log = log;
        _buffer = buffer;
        if (options.Gerrit.EventsLog is { } eventsLog)
            _eventsLog = new EventsLogClient(eventsLog, options.Gerrit.MaxEventSize, options.Gerrit.ConnectTimeout);
        string? stateFile = keepsState ? options.Default.StateFile : null;
        _state = new DeliveredState(stateFile is null ? null : new StateFile(stateFile), log);
        if (stateFile is not null) _spool = new Spool(options.Default.SpoolFile!, log);
        Gaps = new GapKeeper(options, log, counters, _ledger, router, buffer, _eventsLog, stateFile is not null);
    }

    public GapKeeper Gaps { get; }

    /// <summary>Before reading: the spool goes into the buffer first, and the state file's last event opens the gap since.</summary>
    public void Start()
    {
        if (_spool is not null)
        {
            foreach (var message in _spool.Read())
            {
                if (message.Stamp is { } stamp) _ledger.Add(stamp, recovered: true);
                _buffer.Add(message);
            }
        }
        if (_state.File?.Load(_log) is not { } saved) return;
        _state.Resume(saved.Last, saved.Identities);
        _ledger.Resume(saved.Last, saved.Identities);
        Gaps.ResumeFrom(saved.Last);
        _log.Info($"state file {_state.File.Path}: the last run left off at {saved.Last} ({DateTimeOffset.FromUnixTimeSeconds(saved.Last):u})" +
                  (_eventsLog is null ? "" : "; what came since is caught up from the events-log"));
    }

    /// <summary>The sink is done with <paramref name="message"/>.</summary>
    public void Delivered(RoutedEvent message)
    {
        _state.Delivered(message);
        _spool?.Delivered(message);
    }

    /// <summary>Closes gaps and saves the state until <paramref name="stop"/>.</summary>
    public Task RunAsync(CancellationToken stop) => Task.WhenAll(Gaps.RunAsync(stop), _state.RunAsync(stop));

    /// <summary>Reading has stopped; the buffer is not complete yet: a gap left open is settled into it.</summary>
    public void StopReading() => Gaps.Stop();

    /// <summary>The sink has stopped: save where the run left off, and spool what it could not deliver.</summary>
    public void Finish(IEventSink sink)
    {
        _state.Save();
        if (_spool is null) return;
        try
        {
            _spool.Write(sink.TakeUndelivered());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Error($"spool {_spool.Path} not written: {e.Message}");
        }
    }

    public void Dispose()
    {
        Gaps.Dispose();
        _eventsLog?.Dispose();
    }
}
