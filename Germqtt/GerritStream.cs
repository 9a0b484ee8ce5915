using System.Net.Sockets;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Germqtt;

/// <summary>
/// Owns the SSH side: one loop that connects, runs `gerrit stream-events`, hands each raw line to
/// <c>onLine</c> and, when anything ends the stream, waits its backoff and starts again, until stopped.
/// </summary>
public sealed class GerritStream(
    GerritOptions options,
    Log log,
    Counters counters,
    Action<byte[]> onLine,
    Func<TimeSpan, CancellationToken, Task> delay)
{
    public const string Command = "gerrit stream-events";

    private sealed record SessionEnd(LogLevel Level, string Reason);

    public async Task RunAsync(CancellationToken stop)
    {
        var backoff = new Backoff(options.Retry);
        while (!stop.IsCancellationRequested)
        {
            var streaming = new StreamingClock();
            SessionEnd end;
            try
            {
                end = await SessionAsync(streaming, stop);
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                end = Describe(e);
            }
            if (stop.IsCancellationRequested) break;

            backoff.SucceededFor(streaming.Uptime);
            TimeSpan wait = backoff.Next();
            counters.CountGerritReconnect();
            string line = $"gerrit {options.Endpoint}: {end.Reason}; reconnect attempt {backoff.Attempt} in {wait.TotalSeconds:0.###}s";
            if (end.Level == LogLevel.Error) log.Error(line); else log.Warning(line);
            try
            {
                await delay(wait, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        log.Info($"gerrit {options.Endpoint}: stopped reading events");
    }

    private async Task<SessionEnd> SessionAsync(StreamingClock streaming, CancellationToken stop)
    {
        using var key = new PrivateKeyFile(options.Key);
        var info = new PrivateKeyConnectionInfo(options.Hostname, options.Port, options.Username, key)
        {
            Timeout = options.ConnectTimeout,
        };
        HostKeyCheck.OfferKnownTypes(options, info);
        using var client = new SshClient(info);
        if (options.Keepalive > TimeSpan.Zero) client.KeepAliveInterval = options.Keepalive;
        client.HostKeyReceived += (_, e) => HostKeyCheck.Verify(options, e.HostKey);

        log.Debug($"gerrit {options.Endpoint}: connecting as {options.Username}");
        await client.ConnectAsync(stop);

        using var command = client.CreateCommand(Command);
        Task execution = command.ExecuteAsync(CancellationToken.None);
        Task<string> stderr = Task.Run(() => ReadText(command.ExtendedOutputStream));
        // The output stream has no real async read: a thread of its own keeps the pool free.
        Task pump = Task.Factory.StartNew(() => Pump(command.OutputStream), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        streaming.Start();
        log.Info($"gerrit {options.Endpoint}: connected as {options.Username}, streaming events");

        // Disposing the command is the only way to unblock a reader parked in Read.
        using (stop.Register(() => DisposeQuietly(command)))
        {
            await pump;
        }
        stop.ThrowIfCancellationRequested();
        return await EndOf(command, execution, stderr);
    }

    private void Pump(Stream output)
    {
        try
        {
            LineSplitter.Pump(output, onLine);
        }
        catch (ObjectDisposedException)
        {
            // The command was disposed (stop) or the channel closed under the reader: end of stream.
        }
    }

    /// <summary>Why the stream ended, in Gerrit's own words where it gave any.</summary>
    private static async Task<SessionEnd> EndOf(SshCommand command, Task execution, Task<string> stderr)
    {
        var settle = TimeSpan.FromSeconds(5);
        try
        {
            await execution.WaitAsync(settle);
        }
        catch (TimeoutException)
        {
            return new SessionEnd(LogLevel.Warning, "event stream ended without an exit status");
        }
        catch (Exception e)
        {
            return Describe(e);
        }
        string text = stderr.IsCompleted ? await stderr : await stderr.WaitAsync(settle).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : "");
        text = text.Trim();
        string status = command.ExitSignal is { } signal ? $"signal {signal}" : $"exit status {command.ExitStatus?.ToString() ?? "unknown"}";
        return text.Length > 0
            ? new SessionEnd(LogLevel.Error, $"`{Command}` failed ({status}): {text}")
            : new SessionEnd(LogLevel.Warning, $"event stream ended ({status})");
    }

    private static SessionEnd Describe(Exception e) => e switch
    {
        HostKeyRejectedException => new(LogLevel.Error, e.Message),
        SshAuthenticationException => new(LogLevel.Error, $"authentication failed: {e.Message}"),
        SocketException s => new(LogLevel.Warning, $"cannot connect: {s.Message}"),
        SshOperationTimeoutException => new(LogLevel.Warning, $"timed out: {e.Message}"),
        SshConnectionException => new(LogLevel.Warning, $"connection lost: {e.Message}"),
        _ => new(LogLevel.Error, $"{e.GetType().Name}: {e.Message}"),
    };

    private static string ReadText(Stream stream)
    {
        try
        {
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (ObjectDisposedException)
        {
            return "";
        }
    }

    private static void DisposeQuietly(IDisposable disposable)
    {
        try { disposable.Dispose(); }
        catch (Exception) { /* stopping: nothing useful to do with a failure to close */ }
    }

    /// <summary>How long the current session has been delivering events.</summary>
    private sealed class StreamingClock
    {
        private long _started;
        public void Start() => _started = Environment.TickCount64;
        public TimeSpan Uptime => _started == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Environment.TickCount64 - _started);
    }
}
