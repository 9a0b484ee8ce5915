using System.Net.Sockets;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Germqtt.Gerrit;

/// <summary>
/// Owns the SSH side: one loop that connects, runs `gerrit stream-events`, hands each raw line to
/// <c>lines</c> and, when anything ends the stream, waits its backoff and starts again, until stopped.
/// </summary>
public sealed class GerritStream(
    GerritOptions options,
    Log log,
    Counters counters,
    ConnectionStatus status,
    LineSplitter lines,
    Func<TimeSpan, CancellationToken, Task> delay) : IEventSource
{
    public const string Command = "gerrit stream-events";
    public const string Probe = "gerrit version";

    internal sealed record SessionEnd(LogLevel Level, string Reason);

    private static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(5);

    private const string AdministratorProbe = "gerrit show-connections";
    private bool _privilegesChecked;

    /// <summary>
    /// Everything the account can read goes on a public bus; an administrator reads everything.
    /// show-connections needs administrator-level rights, so its success says enough. Once per
    /// process, on a channel beside the first stream: a diagnostic must not hold up the events.
    /// Never throws.
    /// </summary>
    private async Task WarnIfAdministratorAsync(SshClient client, CancellationToken sessionEnded)
    {
        if (_privilegesChecked) return;
        _privilegesChecked = true;
        try
        {
            using var probe = client.CreateCommand(AdministratorProbe);
            await probe.ExecuteAsync(sessionEnded).WaitAsync(options.ConnectTimeout, sessionEnded);
            if (probe.ExitStatus == 0)
                log.Warning($"gerrit {options.Endpoint}: account {options.Username} has administrator-level rights (`{AdministratorProbe}` works); " +
                            "everything it can read is published: use an account with only the Stream Events capability and read access to public projects");
        }
        catch (Exception e)
        {
            if (!sessionEnded.IsCancellationRequested) log.Debug($"gerrit {options.Endpoint}: privilege check skipped: {e.Message}");
        }
    }

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
            finally
            {
                status.SetGerrit(false);
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
        using var session = GerritSession.Create(options, log);
        var client = session.Client;

        log.Debug($"gerrit {options.Endpoint}: connecting as {options.Username}");
        await client.ConnectAsync(stop);

        // The types were checked at load to be plain words, so they are safe on a command line.
        string commandText = string.Concat([Command, .. options.EventTypes.Select(t => $" -s {t}")]);
        using var command = client.CreateCommand(commandText);
        Task execution = command.ExecuteAsync(CancellationToken.None);
        Task<string> stderr = Task.Run(() => ReadText(command.ExtendedOutputStream));
        var activity = new ActivityClock();
        // The output stream has no real async read: a thread of its own keeps the pool free.
        Task pump = Task.Factory.StartNew(() => Pump(command.OutputStream, activity), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        streaming.Start();
        log.Info($"gerrit {options.Endpoint}: connected as {options.Username}, streaming events");
        status.SetGerrit(true);

        using var watching = CancellationTokenSource.CreateLinkedTokenSource(stop);
        Task privileges = WarnIfAdministratorAsync(client, watching.Token);
        Task<string?> liveness = WatchLivenessAsync(client, activity, watching.Token);
        // Disposing the command is the only way to unblock a reader parked in Read.
        using (stop.Register(() => DisposeQuietly(command)))
        {
            Task first = await Task.WhenAny(pump, liveness, execution);
            if (first == liveness && await liveness is not null)
                DisposeQuietly(command);
            // A command that ended (or whose exec request failed) closes its output; if it does
            // not, the reader would wait forever.
            else if (first == execution && await Task.WhenAny(pump, Task.Delay(SettleTime, stop)) != pump)
                DisposeQuietly(command);
            await pump;
        }
        await watching.CancelAsync();
        await privileges;
        stop.ThrowIfCancellationRequested();
        if (await liveness is { } silent) return new SessionEnd(LogLevel.Warning, silent);
        return await EndOf(command, execution, stderr);
    }

    /// <summary>
    /// SSH keepalives are one-way and cannot notice a frozen server, and Gerrit sends nothing on a
    /// quiet day. After <see cref="GerritOptions.LivenessInterval"/> without a line, ask Gerrit for
    /// its version on a second channel; no answer within the connect timeout ends the session.
    /// Returns why the session should end, or null when it ended for another reason.
    /// </summary>
    private async Task<string?> WatchLivenessAsync(SshClient client, ActivityClock activity, CancellationToken sessionEnded)
    {
        if (options.LivenessInterval <= TimeSpan.Zero) return await NeverAsync(sessionEnded);
        try
        {
            while (true)
            {
                TimeSpan quiet = activity.Quiet;
                if (quiet < options.LivenessInterval)
                {
                    await delay(options.LivenessInterval - quiet, sessionEnded);
                    continue;
                }
                if (!await ProbeAsync(client, sessionEnded))
                    return $"no event for {quiet.TotalSeconds:0.#}s and no answer to `{Probe}` within {options.ConnectTimeout.TotalSeconds:0.###}s";
                activity.Touch();
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private async Task<bool> ProbeAsync(SshClient client, CancellationToken sessionEnded)
    {
        log.Debug($"gerrit {options.Endpoint}: stream quiet, probing with `{Probe}`");
        using var probe = client.CreateCommand(Probe);
        probe.CommandTimeout = options.ConnectTimeout;
        try
        {
            // The channel-open wait has its own timeout; WaitAsync bounds the whole exchange.
            await probe.ExecuteAsync(sessionEnded).WaitAsync(options.ConnectTimeout, sessionEnded);
            return probe.ExitStatus == 0;
        }
        catch (Exception) when (!sessionEnded.IsCancellationRequested)
        {
            return false;
        }
    }

    private static async Task<string?> NeverAsync(CancellationToken until)
    {
        try { await Task.Delay(Timeout.Infinite, until); }
        catch (OperationCanceledException) { }
        return null;
    }

    private void Pump(Stream output, ActivityClock activity)
    {
        try
        {
            lines.Pump(output, activity.Touch);
        }
        catch (ObjectDisposedException)
        {
            // The command was disposed (stop) or the channel closed under the reader: end of stream.
        }
    }

    /// <summary>Why the stream ended, in Gerrit's own words where it gave any.</summary>
    private static async Task<SessionEnd> EndOf(SshCommand command, Task execution, Task<string> stderr)
    {
        var settle = SettleTime;
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
        string text;
        try
        {
            text = (await stderr.WaitAsync(settle)).Trim();
        }
        catch (TimeoutException)
        {
            text = "";
        }
        string status = command.ExitSignal is { } signal ? $"signal {signal}" : $"exit status {command.ExitStatus?.ToString() ?? "unknown"}";
        return text.Length > 0
            ? new SessionEnd(LogLevel.Error, $"`{Command}` failed ({status}): {text}")
            : new SessionEnd(LogLevel.Warning, $"event stream ended ({status})");
    }

    internal static SessionEnd Describe(Exception e) => e switch
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

    /// <summary>When the stream last showed a sign of life; written by the reader thread.</summary>
    private sealed class ActivityClock
    {
        private long _last = Environment.TickCount64;
        public void Touch() => Volatile.Write(ref _last, Environment.TickCount64);
        public TimeSpan Quiet => TimeSpan.FromMilliseconds(Environment.TickCount64 - Volatile.Read(ref _last));
    }

    /// <summary>How long the current session has been delivering events.</summary>
    private sealed class StreamingClock
    {
        private long _started;
        public void Start() => _started = Environment.TickCount64;
        public TimeSpan Uptime => _started == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Environment.TickCount64 - _started);
    }
}
