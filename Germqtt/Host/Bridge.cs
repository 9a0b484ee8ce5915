using System.Text;

namespace Germqtt.Host;

/// <summary>
/// Wires Gerrit to the broker through the buffer, and owns the order of a stop: stop reading,
/// let the publisher deliver what is buffered until the drain deadline, then report what is left.
/// </summary>
public sealed class Bridge
{
    private static readonly TimeSpan OverflowLogInterval = TimeSpan.FromSeconds(10);

    private readonly GermqttOptions _options;
    private readonly Log _log;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;
    private readonly EventBuffer _buffer;
    private long _lastOverflowLog;

    private readonly SystemdNotifier _systemd;
    private readonly ConnectionStatus _status;
    private readonly EventFilter _filter;
    private readonly JsonRedactor _redactor;

    private readonly BridgeMode _mode;

    public Bridge(GermqttOptions options, Log log, SystemdNotifier systemd, BridgeMode mode, Func<TimeSpan, CancellationToken, Task>? delay = null)
    {
        _mode = mode;
        _options = options;
        _log = log;
        _systemd = systemd;
        _status = new ConnectionStatus(systemd, mode.Input is null ? options.Gerrit.Endpoint : null, mode.DryRun ? null : options.Mqtt.Endpoint);
        _delay = delay ?? Task.Delay;
        _buffer = new EventBuffer(options.Default.BufferSize, _ => OnOverflow());
        _filter = new EventFilter(options.Filter);
        _redactor = new JsonRedactor(options.Filter.RedactFields);
    }

    public Counters Counters { get; } = new();

    /// <summary>Runs until <paramref name="stop"/> is cancelled and the drain is over; returns the exit code.</summary>
    public async Task<int> RunAsync(CancellationToken stop)
    {
        IEventSink publisher = _mode.DryRun
            ? new DryRunWriter(_buffer, _mode.Output, Counters)
            : new MqttPublisher(_options.Mqtt, _log, Counters, _status, new StatusDocument(_options.Gerrit.Endpoint, DateTimeOffset.UtcNow), _buffer, _delay);
        var lines = new LineSplitter(_options.Gerrit.MaxEventSize, OnLine, OnTooLong);
        IEventSource gerrit = _mode.Input is { } input
            ? new StdinSource(input, _log, lines)
            : new GerritStream(_options.Gerrit, _log, Counters, _status, lines, _delay);

        using var drainDeadline = new CancellationTokenSource();
        using var onStop = stop.Register(() =>
        {
            _log.Info($"stopping: delivering buffered events for up to {_options.Default.DrainTimeout.TotalSeconds:0.###}s");
            _systemd.Notify("STOPPING=1");
            drainDeadline.CancelAfter(_options.Default.DrainTimeout);
        });

        // Reading also stops when the sink has failed for good: nothing read could go anywhere.
        using var readingStop = CancellationTokenSource.CreateLinkedTokenSource(stop);
        Task publishing = publisher.RunAsync(drainDeadline.Token);
        Task reading = gerrit.RunAsync(readingStop.Token);
        // The side loops end with the bridge, which may also end at the end of --stdin input.
        using var running = CancellationTokenSource.CreateLinkedTokenSource(stop);
        Task stats = ReportStatsAsync(publisher, running.Token);
        Task watchdog = FeedWatchdogAsync(running.Token);
        _status.Ready();

        bool sinkEndedFirst = await Task.WhenAny(reading, publishing) == publishing && !stop.IsCancellationRequested;
        if (sinkEndedFirst) await readingStop.CancelAsync();
        await reading;
        _buffer.Complete();
        await Task.WhenAny(publishing);
        int exitCode = sinkEndedFirst || publishing.IsFaulted ? SinkEnded(publishing) : ExitCodes.Ok;
        await running.CancelAsync();
        await stats;
        await watchdog;

        int undelivered = publisher.Undelivered;
        // A reader that closed the pipe wanted no more: what it did not take was not lost to it.
        if (undelivered > 0 && !OutputClosed(publishing))
            _log.Error($"stopped with {undelivered} events not delivered to the {(_mode.DryRun ? "output" : "broker")}");
        _log.Info($"stopped: {Counters.Summary(_buffer.Count)}");
        return exitCode;
    }

    /// <summary>
    /// The sink ended while input was still coming: it failed for good. A reader that closed
    /// standard output (`germqtt --dry-run | head`) ends germqtt quietly, as it would any Unix filter.
    /// </summary>
    private int SinkEnded(Task publishing)
    {
        if (OutputClosed(publishing))
        {
            _log.Info("standard output was closed: stopping");
            return ExitCodes.Ok;
        }
        _log.Error($"cannot deliver events any more: {publishing.Exception?.InnerException?.Message ?? "the output ended"}; stopping");
        return ExitCodes.IoError;
    }

    // EPIPE: .NET ignores SIGPIPE, so a write to a closed pipe fails with this errno instead.
    private static bool OutputClosed(Task publishing) => publishing.Exception?.InnerException is IOException { HResult: 32 };

    /// <summary>Runs on the SSH reader's thread for every line Gerrit sends.</summary>
    private void OnLine(byte[] line)
    {
        Counters.CountRead();
        if (!GerritEvent.TryParse(line, out var gerritEvent, out var problem))
        {
            Counters.CountMalformed();
            _log.Warning($"skipped a malformed event line ({problem}): {Preview(line)}");
            return;
        }
        if (gerritEvent!.Type == "dropped-output")
        {
            Counters.CountDroppedOutput();
            _log.Warning("gerrit reports dropped-output: its queue for this connection overflowed and events were lost");
        }
        switch (_filter.Decide(gerritEvent))
        {
            case Verdict.Private:
                Counters.CountDroppedPrivate();
                _log.Debug($"dropped a {gerritEvent.Type} event of a private change in {gerritEvent.Project}");
                return;
            case Verdict.Filtered:
                Counters.CountFiltered();
                if (_log.IsEnabled(LogLevel.Debug)) _log.Debug($"filtered a {gerritEvent.Type} event of {gerritEvent.Project} {gerritEvent.RefName}");
                return;
        }
        if (_redactor.IsEnabled)
        {
            byte[] redacted = _redactor.Redact(line);
            if (!ReferenceEquals(redacted, line)) Counters.CountRedacted();
            line = redacted;
        }
        string topic = TopicMapper.Map(_options.Mqtt.Topic, gerritEvent);
        if (!TopicMapper.FitsMqtt(topic))
        {
            Counters.CountMalformed();
            _log.Warning($"skipped a {gerritEvent.Type} event: its topic is longer than MQTT allows");
            return;
        }
        if (_log.IsEnabled(LogLevel.Debug)) _log.Debug($"event {gerritEvent.Type} -> {topic} ({line.Length} bytes)");
        _buffer.Add(new Outgoing(topic, line));
    }

    /// <summary>A line longer than max_event_size: never held whole, so only its length is known.</summary>
    private void OnTooLong(long length)
    {
        Counters.CountRead();
        Counters.CountMalformed();
        _log.Warning($"skipped an event line of {length} bytes: longer than [gerrit] max_event_size ({_options.Gerrit.MaxEventSize} bytes)");
    }

    private void OnOverflow()
    {
        Counters.CountOverflowed();
        long now = Environment.TickCount64;
        // Once per interval: a broker outage under load would otherwise log every event.
        long last = Interlocked.Read(ref _lastOverflowLog);
        if (last != 0 && now - last < OverflowLogInterval.TotalMilliseconds) return;
        Interlocked.Exchange(ref _lastOverflowLog, now);
        _log.Warning($"buffer full ({_buffer.Capacity} events): dropping the oldest; {Counters.Overflowed} dropped so far");
    }

    private async Task ReportStatsAsync(IEventSink sink, CancellationToken stop)
    {
        if (_options.Default.StatsInterval <= TimeSpan.Zero) return;
        try
        {
            while (true)
            {
                await _delay(_options.Default.StatsInterval, stop);
                _log.Info($"stats: {Counters.Summary(_buffer.Count)}");
                try
                {
                    await sink.PublishStatusAsync("stats", StatusDocument.Stats(Counters, _buffer.Count, _status), stop);
                }
                catch (Exception e) when (!stop.IsCancellationRequested)
                {
                    // A report that did not go out (a frozen broker, say) must not end the reports.
                    _log.Debug($"stats not published: {e.Message}");
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>WatchdogSec= in the unit: prove the process is alive at half the interval systemd allows.</summary>
    private async Task FeedWatchdogAsync(CancellationToken stop)
    {
        if (SystemdNotifier.WatchdogInterval() is not { } interval) return;
        try
        {
            while (true)
            {
                _systemd.Notify("WATCHDOG=1");
                await _delay(interval, stop);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static string Preview(byte[] line)
    {
        const int max = 200;
        string text = Encoding.UTF8.GetString(line, 0, Math.Min(line.Length, max));
        return line.Length > max ? text + "…" : text;
    }
}
