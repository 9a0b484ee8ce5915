namespace Germqtt.Completeness;

/// <summary>A gap not closed yet: its start is known; its end is known once the stream delivers again.</summary>
internal sealed class PendingGap(long from, string reason)
{
    public long From { get; } = from;
    public string Reason { get; private set; } = reason;

    /// <summary>No session is streaming: the gap's end cannot be known yet.</summary>
    public bool AwaitingSession { get; set; }

    /// <summary>When to stop waiting for a first event (Environment.TickCount64).</summary>
    public long Deadline { get; set; }

    /// <summary>The gap's end, once known.</summary>
    public long? To { get; set; }

    /// <summary>Live events at the gap's end that the log will hold once it has caught up that far.</summary>
    public HashSet<string> Proofs { get; } = [];

    /// <summary>Events recovered for this stretch so far, across catch-ups a new gap on top cut short.</summary>
    public long Recovered { get; set; }

    /// <summary>A live event after the gap was handed on before the gap was closed.</summary>
    public bool LiveFlowed { get; set; }

    /// <summary>Bumped whenever the stretch changes: a catch-up of an older version of it is superseded.</summary>
    public int Version { get; private set; }

    public CancellationTokenSource Cancel { get; private set; } = new();

    /// <summary>Another gap opened before this one closed: one stretch, from this one's start to the new end.</summary>
    public void Restart(string reason, bool awaitingSession, long? to)
    {
        if (!Reason.Contains(reason, StringComparison.Ordinal)) Reason = $"{Reason}; then {reason}";
        AwaitingSession = awaitingSession;
        To = to;
        Proofs.Clear();
        Version++;
        // Not disposed: a catch-up may be about to link to it; cancelled is what it must see.
        Cancel.Cancel();
        Cancel = new CancellationTokenSource();
    }
}
