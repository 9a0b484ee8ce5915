namespace Germqtt.Host;

/// <summary>
/// The one loop that owns a connection, for both sides: connect and work until that ends; on a
/// failure log why, wait the backoff and try again, forever, until stopped. A connection that
/// stayed up for the backoff's cap starts the delays again from the first.
/// </summary>
/// <param name="side">How log lines name the side: "gerrit host:port", "mqtt host:port".</param>
/// <param name="describe">Turns an exception out of a connection into the reason logged.</param>
/// <param name="countRetry">Counts a reconnect in the stats.</param>
public sealed class ReconnectLoop(string side, RetryOptions retry, Log log, Func<Exception, ConnectionEnd> describe, Action countRetry)
{
    /// <summary>Adds to each retry's log line, e.g. how many events wait.</summary>
    public Func<string> Detail { get; init; } = () => "";

    /// <summary>
    /// Waits out a backoff; false when there is no reason to try again. The default waits the
    /// whole delay and stops only when stopped.
    /// </summary>
    public Func<TimeSpan, CancellationToken, Task<bool>> WaitToRetry { get; init; } = DelayAsync;

    /// <summary>
    /// Runs <paramref name="connection"/> again and again. It reports when it was connected through
    /// the clock, returns null when its work is done (the loop ends) or why it ended, or throws.
    /// </summary>
    public async Task RunAsync(Func<ConnectionClock, CancellationToken, Task<ConnectionEnd?>> connection, CancellationToken stop)
    {
        var backoff = new Backoff(retry);
        while (!stop.IsCancellationRequested)
        {
            var clock = new ConnectionClock();
            ConnectionEnd? end;
            try
            {
                end = await connection(clock, stop);
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                end = describe(e);
            }
            if (end is null || stop.IsCancellationRequested) break;

            backoff.SucceededFor(clock.Uptime);
            TimeSpan wait = backoff.Next();
            countRetry();
            log.Write(end.Level, $"{side}: {end.Reason}{Detail()}; reconnect attempt {backoff.Attempt} in {wait.TotalSeconds:0.###}s");
            if (!await WaitToRetry(wait, stop)) break;
        }
    }

    private static async Task<bool> DelayAsync(TimeSpan wait, CancellationToken stop)
    {
        try
        {
            await Task.Delay(wait, stop);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
