namespace Germqtt.Completeness;

/// <summary>
/// Watches the stream for gaps (a lost SSH session, a start after a run that left off somewhere,
/// a dropped-output) and closes each one: its end is the first event seen again (or the moment
/// germqtt stopped waiting for one); with the events-log configured the missed stretch is caught
/// up and published before the live events that came after it, which are held meanwhile (at most
/// <see cref="HoldMax"/>); every gap is announced on &lt;status_topic&gt;/gap.
/// </summary>
public sealed partial class GapKeeper(
    GermqttOptions options,
    Log log,
    Counters counters,
    Ledger ledger,
    EventRouter router,
    EventBuffer buffer,
    EventsLogClient? eventsLog,
    bool keepsState) : IDisposable
{
    public const string DroppedOutput = "dropped-output";

    /// <summary>How long a new session is given to deliver a first event, which marks the gap's end.</summary>
    public static readonly TimeSpan FirstEventWait = TimeSpan.FromSeconds(2);

    /// <summary>How far before the moment a stream was lost a gap may start, however old its newest event.</summary>
    public static readonly TimeSpan QuietMargin = TimeSpan.FromMinutes(10);

    /// <summary>The longest live events are held back for a catch-up; after that they flow, and what is caught up follows them.</summary>
    public static readonly TimeSpan HoldMax = TimeSpan.FromSeconds(30);

    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly PageLimit _pageLimit = new();
    private readonly bool _stamps = eventsLog is not null || keepsState;
    private PendingGap? _pending;
    private HeldEvents? _held;

    /// <summary>The run left off at <paramref name="last"/> (from the state file): the time since is a gap.</summary>
    public void ResumeFrom(long last)
    {
        lock (_lock) _pending = new PendingGap(last, "germqtt was not running") { AwaitingSession = true };
    }

    public void SessionStarted()
    {
        lock (_lock)
        {
            if (_pending is not { AwaitingSession: true } pending) return;
            pending.AwaitingSession = false;
            pending.Deadline = Environment.TickCount64 + (long)FirstEventWait.TotalMilliseconds;
        }
        _wake.Release();
    }

    public void SessionEnded(string why) => Open($"the SSH session ended ({why})", awaitingSession: true, to: null);

    /// <summary>A live event, on the reader's thread.</summary>
    public void OnLive(GerritEvent gerritEvent)
    {
        bool dropped = gerritEvent.Type == DroppedOutput;
        // Gerrit 3.x dates the notice like any event (eventCreatedOn = when it was written); as the
        // newest event handed on it would start the gap it opens after the events it lost.
        EventStamp? stamp = _stamps && !dropped ? EventIdentity.Of(gerritEvent.Line, DateTimeOffset.UtcNow.ToUnixTimeSeconds()) : null;
        lock (_lock)
        {
            // A catch-up published it already: it reached the log before this session's stream.
            if (eventsLog is not null && stamp is { } s && ledger.WasRecovered(s))
            {
                counters.CountDuplicate();
                return;
            }
            if (_pending is { AwaitingSession: false } pending) Bound(pending, gerritEvent, stamp);
            if (_held is { } held)
            {
                held.Add(gerritEvent, stamp);
                if (held.Count >= buffer.Capacity) Release($"{held.Count} live events held, as many as [default] buffer_size");
            }
            else
            {
                Forward(gerritEvent, stamp, recovered: false);
            }
        }
        // Gerrit dropped what it could not queue before it wrote this: the gap ends now.
        if (dropped) Open("Gerrit dropped events for this connection (dropped-output)", awaitingSession: false, to: DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    }

    /// <summary>The first live event after a gap is its end; with a catch-up to come, the live events wait for it.</summary>
    private void Bound(PendingGap pending, GerritEvent gerritEvent, EventStamp? stamp)
    {
        if (pending.To is null)
        {
            // An event dated before the gap's start (a replayed old event) cannot end it earlier.
            pending.To = Math.Max(pending.From, gerritEvent.CreatedOn ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            if (eventsLog is not null) _held ??= Hold();
            else pending.LiveFlowed = true;
            _wake.Release();
        }
        // Events the log stores (they carry a project) made by the gap's end prove it has caught up that far.
        if (stamp is { Approximate: false } s && gerritEvent.Project is not null && s.CreatedOn <= pending.To) pending.Proofs.Add(s.Identity);
    }

    private void Open(string reason, bool awaitingSession, long? to)
    {
        lock (_lock)
        {
            if (_pending is { } pending)
            {
                // A gap on a gap not closed yet: one stretch, from the first one's start.
                pending.Restart(reason, awaitingSession, to);
                if (to is not null && eventsLog is not null) _held ??= Hold();
            }
            else
            {
                // A stream alive until now delivered what was made before: an older newest event only
                // means Gerrit was quiet, or replays old events. The margin allows for clocks that differ.
                long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                long from = Math.Max(ledger.Newest ?? now, now - (long)QuietMargin.TotalSeconds);
                _pending = new PendingGap(from, reason) { AwaitingSession = awaitingSession, To = to };
                if (to is not null && eventsLog is not null) _held ??= Hold();
            }
        }
        _wake.Release();
    }

    private HeldEvents Hold() => new(HoldMax, held =>
    {
        lock (_lock)
            if (ReferenceEquals(_held, held)) Release($"the catch-up is still running after {HoldMax.TotalSeconds:0}s");
    });

    public void Dispose()
    {
        _wake.Dispose();
        _held?.Dispose();
    }

    /// <summary>Hands an event on: the ledger learns it, the router routes it (false: filtered). Called under the lock.</summary>
    private bool Forward(GerritEvent gerritEvent, EventStamp? stamp, bool recovered)
    {
        if (stamp is { } s) ledger.Add(s, recovered);
        else if (gerritEvent.CreatedOn is { } created && gerritEvent.Type != DroppedOutput) ledger.Saw(created);
        return router.Route(gerritEvent, stamp);
    }

    /// <summary>Lets held live events go, in their order; under the lock.</summary>
    private void Release(string why)
    {
        if (_held is not { } held) return;
        _held = null;
        held.Dispose();
        if (_pending is { } pending) pending.LiveFlowed = true;
        if (why.Length > 0) log.Warning($"catch-up: {why}; live events flow again, and what is caught up from now on follows them");
        ForwardHeld(held.Events);
    }

    /// <summary>Hands on held live events in their order, but not those a catch-up published meanwhile; under the lock.</summary>
    private void ForwardHeld(IEnumerable<(GerritEvent Event, EventStamp? Stamp)> events)
    {
        foreach (var (gerritEvent, stamp) in events)
        {
            if (stamp is { } s && ledger.WasRecovered(s)) counters.CountDuplicate();
            else Forward(gerritEvent, stamp, recovered: false);
        }
    }
}
