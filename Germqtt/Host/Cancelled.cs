namespace Germqtt.Host;

/// <summary>Waiting for a token, as a task that completes (rather than fails) once it is cancelled.</summary>
public static class Cancelled
{
    /// <summary>Completes when <paramref name="token"/> is cancelled; never, for a token that cannot be.</summary>
    public static Task When(CancellationToken token)
    {
        if (token.IsCancellationRequested) return Task.CompletedTask;
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The registration lives as long as the token's source, which ends with the work it bounds.
        token.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), cancelled);
        return cancelled.Task;
    }
}
