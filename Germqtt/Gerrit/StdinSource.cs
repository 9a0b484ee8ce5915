namespace Germqtt.Gerrit;

/// <summary>
/// --stdin: event lines from standard input instead of SSH, e.g. a saved stream or
/// `ssh -p 29418 review.example.org gerrit stream-events | germqtt --stdin`. Ends at end of input.
/// </summary>
public sealed class StdinSource(Stream input, Log log, LineSplitter lines) : IEventSource
{
    public async Task RunAsync(CancellationToken stopping)
    {
        // A read of standard input cannot be cancelled: on stop the reader is left behind, blocked.
        var reading = Task.Factory.StartNew(() => lines.Pump(input), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var stopped = Cancelled.When(stopping);
        if (await Task.WhenAny(reading, stopped) == reading)
        {
            await reading;
            log.Info("end of standard input");
        }
    }
}
