using System.Diagnostics;

namespace Germqtt.Tests.Fixtures;

/// <summary>Waits on conditions that no event announces, such as files or /proc entries.</summary>
public static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes;
    /// then fails the test naming <paramref name="what"/> and, if given, the state <paramref name="detail"/> reports.
    /// </summary>
    public static async Task UntilAsync(
        Func<bool> condition, TimeSpan timeout, string what, Func<string>? detail = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (condition()) return;
            if (clock.Elapsed >= timeout) break;
            await Task.Delay(PollInterval);
        }
        Assert.Fail($"timed out after {timeout.TotalSeconds:0.###} s waiting for {what}"
                    + (detail is null ? "" : Environment.NewLine + detail()));
    }
}

/// <summary>
/// Lets a waiter sleep until some state changes instead of polling: the owner calls
/// <see cref="Fire"/> after every change, waiters re-check their condition on each wake-up.
/// </summary>
internal sealed class ChangeSignal
{
    private readonly Lock gate = new();
    private TaskCompletionSource next = NewSource();

    public void Fire()
    {
        TaskCompletionSource fired;
        lock (gate)
        {
            fired = next;
            next = NewSource();
        }
        fired.TrySetResult();
    }

    /// <summary>True once <paramref name="condition"/> holds, false if <paramref name="timeout"/> passes first.</summary>
    public async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Task changed;
            lock (gate) changed = next.Task;
            // Checked after taking the task, so a change between the two cannot be missed.
            if (condition()) return true;
            TimeSpan left = timeout - clock.Elapsed;
            if (left <= TimeSpan.Zero) return false;
            await Task.WhenAny(changed, Task.Delay(left));
        }
    }

    // Continuations run elsewhere so Fire never runs a waiter's code under the caller's lock.
    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
