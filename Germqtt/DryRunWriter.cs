namespace Germqtt;

/// <summary>--dry-run: writes "topic&lt;TAB&gt;payload" lines to standard output instead of publishing.</summary>
public sealed class DryRunWriter(EventBuffer buffer, Stream output, Counters counters) : IEventSink
{
    private static readonly byte[] Tab = "\t"u8.ToArray();
    private static readonly byte[] Newline = "\n"u8.ToArray();

    public int Undelivered => buffer.Count;

    public async Task RunAsync(CancellationToken deadline)
    {
        try
        {
            while (await buffer.WaitAsync(deadline))
            {
                while (buffer.TryTake(out var message))
                {
                    // The payload goes out as raw bytes: no decoding, no re-encoding.
                    output.Write(System.Text.Encoding.UTF8.GetBytes(message.Topic));
                    output.Write(Tab);
                    output.Write(message.Payload);
                    output.Write(Newline);
                    counters.CountPublished();
                }
                await output.FlushAsync(deadline);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public Task PublishStatusAsync(string subtopic, byte[] payload, CancellationToken cancel) => Task.CompletedTask;
}
