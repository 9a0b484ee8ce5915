namespace Germqtt.Completeness;

/// <summary>
/// Catches up one gap from the events-log: walks the window page by page (a page may be cut at the
/// plugin's return limit without a word, so each next page starts at the last one's second and what
/// comes twice is known by identity), hands on every event not handed on yet, in the log's order,
/// and asks again, a bounded number of times, until the log holds the event that ended the gap:
/// the log lags the stream, and only then is it complete up to the gap's end.
/// </summary>
public sealed class CatchUpRun(
    EventsLogClient client,
    GermqttOptions options,
    Log log,
    PageLimit limit,
    Func<string, bool> handedOn,
    Func<GerritEvent, EventStamp, CancellationToken, ValueTask<bool>> publish)
{
    /// <summary>How often, and how far apart, the log is asked again for the event that ended the gap.</summary>
    public static readonly int ProofAttempts = 10;
    public static readonly TimeSpan ProofInterval = TimeSpan.FromSeconds(1);

    /// <summary>With no event to prove the log complete, how long past the gap's end it is given to store what it has.</summary>
    public static readonly TimeSpan StorageAllowance = TimeSpan.FromSeconds(2);

    private readonly HashSet<string> _seen = [];
    private long _resume;
    private long _gapEnd;

    /// <summary>Events caught up and published (not those the filter keeps off the bus).</summary>
    public long Recovered { get; private set; }

    /// <summary>Why the stretch was not recovered whole; null while it was.</summary>
    public string? Shortfall { get; private set; }

    /// <summary>Runs to the end; <paramref name="proofs"/> gives the identities of live events at the gap's end the log must show.</summary>
    public async Task RunAsync(Gap gap, Func<IReadOnlyCollection<string>> proofs, CancellationToken cancel)
    {
        long start = gap.From;
        long longest = (long)options.Gerrit.EventsLog!.CatchUpMax.TotalSeconds;
        if (gap.To - gap.From > longest)
        {
            start = gap.To - longest;
            Shortfall = $"longer than [gerrit] catch_up_max ({longest}s): events before {start} not fetched";
        }
        _resume = start;
        _gapEnd = gap.To;
        await WalkAsync(start, gap.To, cancel);

        if (proofs() is { Count: > 0 })
        {
            for (int attempt = 1; !proofs().Any(_seen.Contains); attempt++)
            {
                if (attempt > ProofAttempts)
                {
                    Shortfall ??= $"the events-log did not show the event that ended the gap within {ProofAttempts * ProofInterval.TotalSeconds:0}s";
                    return;
                }
                await Task.Delay(ProofInterval, cancel);
                await WalkAsync(start, gap.To, cancel);
            }
            return;
        }
        // Nothing to prove the log complete with: give it the time it takes to store, then ask once more.
        var settled = DateTimeOffset.FromUnixTimeSeconds(gap.To + 1) + StorageAllowance - DateTimeOffset.UtcNow;
        if (settled > TimeSpan.Zero)
        {
            await Task.Delay(settled, cancel);
            await WalkAsync(start, gap.To, cancel);
        }
    }

    /// <summary>
    /// Pages to <paramref name="to"/> until a page brings nothing new, from the newest second seen so
    /// far: what the log stores late is stored in order, so it turns up from there on.
    /// </summary>
    private async Task WalkAsync(long start, long to, CancellationToken cancel)
    {
        long cursor = _resume;
        int previousCount = 0;
        long? previousLast = null;
        // The next page is asked for while this one is published: the log's work and ours overlap.
        PageAhead? ahead = null;
        try
        {
            while (true)
            {
                var taken = ahead;
                ahead = null;
                var page = await PageAsync(taken, cursor, to, cancel);
                if (LastCreatedOn(page) is { } end && end > cursor) ahead = Ask(end, to, cancel);
                int fresh = 0;
                long? last = null;
                foreach (var line in page)
                {
                    if (EventIdentity.Of(line) is not { } stamp)
                    {
                        log.Debug("events-log: skipped a line that is not an event with eventCreatedOn");
                        continue;
                    }
                    last = stamp.CreatedOn;
                    if (!_seen.Add(stamp.Identity)) continue;
                    fresh++;
                    if (stamp.CreatedOn > _resume && stamp.CreatedOn <= to) _resume = stamp.CreatedOn;
                    // Dates outside the window come from the widening around a clock change, or a server clock that jumped.
                    if (stamp.CreatedOn < start || stamp.CreatedOn > to || handedOn(stamp.Identity)) continue;
                    if (!GerritEvent.TryParse(line, out var gerritEvent, out var problem))
                    {
                        log.Warning($"events-log: skipped a malformed event ({problem})");
                        continue;
                    }
                    if (await publish(gerritEvent!, stamp, cancel)) Recovered++;
                }
                // A page whose next one brought events after its last second had been cut: that is the limit.
                if (previousLast is { } before && fresh > 0 && last > before) limit.Saw(previousCount);
                if (page.Count == 0 || last is null) return;
                if (last > cursor)
                {
                    if (fresh == 0) return;
                    previousCount = page.Count;
                    previousLast = last;
                    cursor = last.Value;
                    continue;
                }
                // The whole page is one second: past it only by asking from the next, and if it was cut the rest is out of reach.
                if (await CutAsync(page.Count, cancel))
                    Shortfall ??= $"more events in one second ({cursor}) than the events-log returns at once ({page.Count})";
                if (cursor >= to) return;
                cursor++;
                previousLast = null;
            }
        }
        finally
        {
            await DropAsync(ahead);
        }
    }

    /// <summary>The creation time of the page's last event: where the next page starts.</summary>
    private static long? LastCreatedOn(List<byte[]> page)
    {
        for (int i = page.Count - 1; i >= 0; i--)
        {
            if (EventIdentity.Of(page[i]) is { } stamp) return stamp.CreatedOn;
        }
        return null;
    }

    /// <summary>A page asked for before the walk needs it; dropped unless the walk asks for exactly that.</summary>
    private sealed record PageAhead(long From, long To, Task<List<byte[]>> Page, CancellationTokenSource Stop);

    private PageAhead Ask(long from, long to, CancellationToken cancel)
    {
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        return new PageAhead(from, to, FetchAsync(from, to, stop.Token), stop);
    }

    /// <summary>The page <paramref name="from"/>..<paramref name="to"/>: the one asked for ahead if it is that one, else asked now.</summary>
    private async Task<List<byte[]>> PageAsync(PageAhead? ahead, long from, long to, CancellationToken cancel)
    {
        if (ahead is null || ahead.From != from || ahead.To != to)
        {
            await DropAsync(ahead);
            return await FetchAsync(from, to, cancel);
        }
        using (ahead.Stop) return await ahead.Page;
    }

    /// <summary>Stops a page asked for ahead and waits for it to end: nothing runs on past the walk.</summary>
    private static async Task DropAsync(PageAhead? ahead)
    {
        if (ahead is null) return;
        using var stop = ahead.Stop;
        if (!ahead.Page.IsCompleted) await stop.CancelAsync();
        try
        {
            await ahead.Page;
        }
        catch (Exception)
        {
            // A page nobody will read: how its request ended does not matter.
        }
    }

    /// <summary>
    /// Whether a page was cut at the plugin's limit. When its answers so far cannot tell, the latest
    /// events (asked without a window, so cut at the limit if the log holds more) show the limit's size.
    /// </summary>
    private async Task<bool> CutAsync(int count, CancellationToken cancel)
    {
        if (limit.Cut(count) is { } known) return known;
        int latest = (await FetchAsync(null, null, cancel)).Count;
        if (latest > count) limit.AtLeast(latest);
        else limit.Saw(count);
        return latest <= count;
    }

    /// <summary>One page; failures are logged and retried with backoff, as long as the gap's end is within catch_up_max.</summary>
    private async Task<List<byte[]>> FetchAsync(long? from, long? to, CancellationToken cancel)
    {
        var backoff = new Backoff(options.Gerrit.Retry);
        while (true)
        {
            try
            {
                var page = await client.FetchAsync(from, to, cancel);
                log.Debug($"events-log: {page.Count} events from {from} to {to}");
                return page;
            }
            catch (EventsLogException e)
            {
                var wait = backoff.Next();
                if (DateTimeOffset.UtcNow + wait - DateTimeOffset.FromUnixTimeSeconds(to ?? _gapEnd) > options.Gerrit.EventsLog!.CatchUpMax)
                    throw new CatchUpAbandonedException($"the events-log failed for longer than [gerrit] catch_up_max: {e.Message}");
                log.Warning($"events-log {client.Endpoint}: {e.Message}; catch-up of {from}..{to ?? _gapEnd} tried again in {wait.TotalSeconds:0.#}s (attempt {backoff.Attempt})");
                await Task.Delay(wait, cancel);
            }
        }
    }
}
