namespace Germqtt.Host;

/// <summary>
/// Wires a source (Gerrit, or standard input) through the pipeline and the buffer to a sink (the
/// broker, or standard output), and owns the order of a stop: stop reading, let the sink deliver
/// what is buffered until the drain deadline, then report what is left.
/// </summary>
public sealed class Bridge(GermqttOptions options, Log log, SystemdNotifier systemd, BridgeMode mode)
{
    public Counters Counters { get; } = new();

    /// <summary>Runs until <paramref name="stop"/> is cancelled and the drain is over; returns the exit code.</summary>
    public async Task<int> RunAsync(CancellationToken stop)
    {
        var status = new ConnectionStatus(systemd, mode.Input is null ? options.Gerrit.Endpoint : null, mode.DryRun ? null : options.Mqtt.Endpoint);
        var buffer = new EventBuffer(options.Default.BufferSize, log, Counters);
        var router = new EventRouter(options, log, Counters, buffer);
        // Gaps are Gerrit's: --stdin has no sessions to lose.
        using var continuity = mode.Input is null ? new Continuity(options, log, Counters, router, buffer, keepsState: !mode.DryRun) : null;
        continuity?.Start();
        var lines = new EventPipeline(options, log, Counters, router, continuity?.Gaps).Lines();
        IEventSource source = mode.Input is { } input
            ? new StdinSource(input, log, lines)
            : new GerritStream(options.Gerrit, log, Counters, status, lines, continuity?.Gaps);
        IEventSink sink = mode.DryRun
            ? new DryRunWriter(buffer, mode.Output, Counters, continuity is null ? null : continuity.Delivered)
            : new MqttPublisher(options.Mqtt, log, Counters, status, new StatusDocument(options.Gerrit.Endpoint, DateTimeOffset.UtcNow), buffer,
                continuity is null ? null : continuity.Delivered);

        using var drainDeadline = new CancellationTokenSource();
        using var onStop = stop.Register(() =>
        {
            log.Info($"stopping: delivering buffered events for up to {options.Default.DrainTimeout.TotalSeconds:0.###}s");
            systemd.Notify("STOPPING=1");
            drainDeadline.CancelAfter(options.Default.DrainTimeout);
        });

        // Reading also stops when the sink has failed for good: nothing read could go anywhere.
        using var readingStop = CancellationTokenSource.CreateLinkedTokenSource(stop);
        Task publishing = sink.RunAsync(drainDeadline.Token);
        using var closingGaps = new CancellationTokenSource();
        Task gaps = continuity?.RunAsync(closingGaps.Token) ?? Task.CompletedTask;
        Task reading = source.RunAsync(readingStop.Token);
        // The side loops end with the bridge, which may also end at the end of --stdin input.
        using var running = CancellationTokenSource.CreateLinkedTokenSource(stop);
        Task stats = new StatsReporter(options.Default.StatsInterval, log, Counters, buffer, status, sink).RunAsync(running.Token);
        Task watchdog = systemd.FeedWatchdogAsync(running.Token);
        status.Ready();

        bool sinkEndedFirst = await Task.WhenAny(reading, publishing) == publishing && !stop.IsCancellationRequested;
        if (sinkEndedFirst) await readingStop.CancelAsync();
        await reading;
        await closingGaps.CancelAsync();
        await gaps;
        continuity?.StopReading();
        buffer.Complete();
        // Waits without throwing: a sink's failure is reported by SinkEnded, not as a crash.
        await Task.WhenAny(publishing);
        int exitCode = sinkEndedFirst || publishing.IsFaulted ? SinkEnded(publishing) : ExitCodes.Ok;
        await running.CancelAsync();
        await stats;
        await watchdog;
        continuity?.Finish(sink);

        int undelivered = sink.Undelivered;
        // A reader that closed the pipe wanted no more: what it did not take was not lost to it.
        if (undelivered > 0 && !OutputClosed(publishing))
            log.Error($"stopped with {undelivered} events not delivered to the {(mode.DryRun ? "output" : "broker")}");
        log.Info($"stopped: {Counters.Summary(buffer.Count)}");
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
            log.Info("standard output was closed: stopping");
            return ExitCodes.Ok;
        }
        log.Error($"cannot deliver events any more: {publishing.Exception?.InnerException?.Message ?? "the output ended"}; stopping");
        return ExitCodes.IoError;
    }

    // EPIPE: .NET ignores SIGPIPE, so a write to a closed pipe fails with this errno instead.
    private static bool OutputClosed(Task publishing) => publishing.Exception?.InnerException is IOException { HResult: 32 };
}
