namespace Germqtt.Host;

/// <summary>
/// Every [default] stats_interval: a "stats:" log line and the counters on &lt;status_topic&gt;/stats.
/// A report that does not go out (a frozen broker, say) must not end the reports.
/// </summary>
public sealed class StatsReporter(TimeSpan interval, Log log, Counters counters, EventBuffer buffer, ConnectionStatus status, IEventSink sink)
{
    public async Task RunAsync(CancellationToken stop)
    {
        if (interval <= TimeSpan.Zero) return;
        try
        {
            while (true)
            {
                await Task.Delay(interval, stop);
                log.Info($"stats: {counters.Summary(buffer.Count)}");
                try
                {
                    await sink.PublishStatusAsync("stats", StatusDocument.Stats(counters, buffer.Count, status), stop);
                }
                catch (Exception e) when (!stop.IsCancellationRequested)
                {
                    log.Debug($"stats not published: {e.Message}");
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }
}
