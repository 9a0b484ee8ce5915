namespace Germqtt.Completeness;

/// <summary>The closing side of <see cref="GapKeeper"/>: one gap at a time, caught up (or not) and announced.</summary>
public sealed partial class GapKeeper
{
    /// <summary>Closes gaps as their ends become known, until <paramref name="stop"/>; then <see cref="Stop"/> settles what is left.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var (pending, gap, wait) = Next();
            if (pending is null || gap is null)
            {
                try
                {
                    await _wake.WaitAsync(wait, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            await CloseAsync(pending, gap, stop);
        }
    }

    /// <summary>The gap to close now, or how long to wait before looking again.</summary>
    private (PendingGap?, Gap?, TimeSpan) Next()
    {
        lock (_lock)
        {
            if (_pending is not { AwaitingSession: false } pending) return (null, null, Timeout.InfiniteTimeSpan);
            if (pending.To is null)
            {
                long left = pending.Deadline - Environment.TickCount64;
                if (left > 0) return (null, null, TimeSpan.FromMilliseconds(left));
                // No event within the moment: the gap ends now.
                pending.To = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                if (eventsLog is null) pending.LiveFlowed = true;
            }
            return (pending, new Gap(pending.From, pending.To.Value, pending.Reason), TimeSpan.Zero);
        }
    }

    private async Task CloseAsync(PendingGap pending, Gap gap, CancellationToken stop)
    {
        int version;
        CancellationToken superseded;
        lock (_lock)
        {
            version = pending.Version;
            superseded = pending.Cancel.Token;
        }
        if (eventsLog is null)
        {
            lock (_lock)
                if (!Settled(pending, version)) return;
            Announce(gap, complete: false, 0, "[gerrit] http_url is not set: nothing is caught up");
            return;
        }

        var run = new CatchUpRun(eventsLog, options, log, _pageLimit, HandedOn, PublishRecoveredAsync);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stop, superseded);
        string? failure = null;
        log.Info($"catch-up: fetching {gap.From}..{gap.To} ({gap.Reason}) from the events-log");
        try
        {
            await run.RunAsync(gap, () => Proofs(pending), cancel.Token);
        }
        catch (OperationCanceledException)
        {
            // A new gap on top (the stretch grows and is caught up again), or a stop (Stop settles it).
            lock (_lock) pending.Recovered += run.Recovered;
            return;
        }
        catch (CatchUpAbandonedException e)
        {
            failure = e.Message;
        }
        long recovered;
        lock (_lock)
        {
            pending.Recovered += run.Recovered;
            recovered = pending.Recovered;
            if (!Settled(pending, version)) return;
            Release("");
        }
        Announce(gap, complete: failure is null && run.Shortfall is null, recovered, failure ?? run.Shortfall);
    }

    /// <summary>Ends the pending gap when it is still the version closed; under the lock.</summary>
    private bool Settled(PendingGap pending, int version)
    {
        if (!ReferenceEquals(_pending, pending) || pending.Version != version) return false;
        _pending = null;
        return true;
    }

    /// <summary>
    /// Whether the catch-up must skip an event it found in the log: handed on already, or held. A
    /// held event is where the log says it belongs: it and the held events before it go now, so
    /// that what the catch-up publishes next (a stretch a second gap added) comes after them.
    /// </summary>
    private bool HandedOn(string identity)
    {
        lock (_lock)
        {
            if (ledger.Contains(identity)) return true;
            if (_held is not { } held || !held.Contains(identity)) return false;
            ForwardHeld(held.TakeThrough(identity));
            return true;
        }
    }

    private HashSet<string> Proofs(PendingGap pending)
    {
        lock (_lock) return [.. pending.Proofs];
    }

    /// <summary>Publishes a caught-up event; false when the filter keeps it off the bus.</summary>
    private async ValueTask<bool> PublishRecoveredAsync(GerritEvent gerritEvent, EventStamp stamp, CancellationToken cancel)
    {
        // A backlog is larger than the buffer: it is fed as the sink takes, never pushing events out.
        await buffer.WaitForRoomAsync(cancel);
        bool routed;
        lock (_lock) routed = Forward(gerritEvent, stamp, recovered: true);
        if (routed) counters.CountRecovered();
        return routed;
    }

    /// <summary>
    /// Reading has stopped. A gap still open is left to the next start when the state file ends
    /// before it and the next start can catch it up; otherwise the held events go on and the gap
    /// is announced as not recovered.
    /// </summary>
    public void Stop()
    {
        Gap? unfinished = null;
        long recovered = 0;
        lock (_lock)
        {
            if (_pending is not { } pending) return;
            _pending = null;
            pending.Cancel.Cancel();
            if (keepsState && eventsLog is not null && !pending.LiveFlowed)
            {
                int left = _held?.Count ?? 0;
                _held?.Dispose();
                _held = null;
                log.Info($"stopping within a gap from {pending.From}: the state file ends before it, so the next start catches it up" +
                         (left > 0 ? $" ({left} events read after it are left to that catch-up)" : ""));
                return;
            }
            Release("");
            unfinished = new Gap(pending.From, pending.To ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds(), pending.Reason + "; germqtt stopped before the gap was closed");
            recovered = pending.Recovered;
        }
        Announce(unfinished, complete: false, recovered, "stopped");
    }

    private void Announce(Gap gap, bool complete, long recovered, string? shortfall)
    {
        counters.CountGap();
        string outcome = complete ? $"caught up, {recovered} events recovered" : $"{recovered} events recovered, not complete: {shortfall}";
        string line = $"gap from {gap.From} to {gap.To} ({gap.Reason}): {outcome}";
        if (complete) log.Info(line);
        else log.Warning(line);
        // Consumers learn why the stretch is not whole, as the operator does.
        var told = complete ? gap : gap with { Reason = $"{gap.Reason}; not recovered: {shortfall}" };
        buffer.Add(new RoutedEvent($"{options.Mqtt.StatusTopic}/{GapNotice.Subtopic}", GapNotice.Document(told, complete, recovered), IsNotice: true));
    }
}
