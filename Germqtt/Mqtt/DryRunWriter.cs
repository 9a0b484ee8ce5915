namespace Germqtt.Mqtt;

/// <summary>--dry-run: writes "topic&lt;TAB&gt;payload" lines to standard output instead of publishing.</summary>
public sealed class DryRunWriter(EventBuffer buffer, Stream output, Counters counters, Action<RoutedEvent>? delivered = null) : IEventSink
{
    private static readonly byte[] Tab = "\t"u8.ToArray();
    private static readonly byte[] Newline = "\n"u8.ToArray();

    public int Undelivered => buffer.Count;

    /// <summary>
    /// Standard output as a stream that reports a reader gone away (`germqtt --dry-run | head`):
    /// the console's own stream ignores EPIPE, and germqtt would read on with nowhere to write.
    /// A seekable file keeps the console's stream, whose writes do not track a file position of
    /// their own (stdout and stderr may share one file).
    /// </summary>
    public static Stream StandardOutput()
    {
        var pipe = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(1, ownsHandle: false), FileAccess.Write, 64 * 1024);
        if (!pipe.CanSeek) return pipe;
        pipe.Dispose();
        return Console.OpenStandardOutput();
    }

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
                    if (!message.IsNotice) counters.CountPublished();
                    delivered?.Invoke(message);
                }
                await output.FlushAsync(deadline);
            }
        }
        catch (OperationCanceledException)
        {
            // Standard output is buffered when it is a pipe: what was written and counted goes out.
            output.Flush();
        }
    }

    public IReadOnlyCollection<RoutedEvent> TakeUndelivered() => buffer.TakeAll();

    public Task PublishStatusAsync(string subtopic, byte[] payload, CancellationToken cancel) => Task.CompletedTask;
}
