using Renci.SshNet;

namespace Germqtt.Gerrit;

/// <summary>
/// Owns the SSH side: connects, runs `gerrit stream-events`, hands each raw line to
/// <c>lines</c> and, when anything ends the stream, connects again (<see cref="ReconnectLoop"/>).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "Gerrit's event stream, not a System.IO.Stream: the name is the concept's")]
public sealed class GerritStream : IEventSource
{
    public const string Command = "gerrit stream-events";

    private readonly GerritOptions _options;
    private readonly Log _log;
    private readonly ConnectionStatus _status;
    private readonly LineSplitter _lines;
    private readonly AdministratorCheck _administrator;
    private readonly ReconnectLoop _loop;
    private readonly GapKeeper? _gaps;

    /// <param name="gaps">Told when a session starts streaming and when one ends, to close the gap between.</param>
    public GerritStream(GerritOptions options, Log log, Counters counters, ConnectionStatus status, LineSplitter lines, GapKeeper? gaps = null)
    {
        _gaps = gaps;
        _options = options;
        _log = log;
        _status = status;
        _lines = lines;
        _administrator = new AdministratorCheck(options, log);
        _loop = new ReconnectLoop($"gerrit {options.Endpoint}", options.Retry, log, StreamEnd.Describe, counters.CountGerritReconnect);
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        await _loop.RunAsync(SessionAsync, stopping);
        _log.Info($"gerrit {_options.Endpoint}: stopped reading events");
    }

    /// <summary>One SSH connection and its stream; returns why it ended (never null: Gerrit is read until stopped).</summary>
    private async Task<ConnectionEnd?> SessionAsync(ConnectionClock streaming, CancellationToken stop)
    {
        bool started = false;
        ConnectionEnd? end = null;
        try
        {
            using var session = GerritSession.Create(_options, _log);
            var client = session.Client;

            _log.Debug($"gerrit {_options.Endpoint}: connecting as {_options.Username}");
            await client.ConnectAsync(stop);

            // The types were checked at load to be plain words, so they are safe on a command line.
            string commandText = string.Concat([Command, .. _options.EventTypes.Select(t => $" -s {t}")]);
            using var command = client.CreateCommand(commandText);
            // Before the first line can arrive: what the new session delivers first marks the gap's end.
            _gaps?.SessionStarted();
            started = true;
            Task execution = command.ExecuteAsync(CancellationToken.None);
            Task<string> stderr = Task.Run(() => ReadText(command.ExtendedOutputStream));
            var liveness = new LivenessWatch(_options, _log);
            // The output stream has no real async read: a thread of its own keeps the pool free.
            Task pump = Task.Factory.StartNew(() => Pump(command.OutputStream, liveness), CancellationToken.None,
                TaskCreationOptions.LongRunning, TaskScheduler.Default);
            streaming.Start();
            _log.Info($"gerrit {_options.Endpoint}: connected as {_options.Username}, streaming events");
            _status.SetGerrit(true);

            using var watching = CancellationTokenSource.CreateLinkedTokenSource(stop);
            Task privileges = _administrator.RunOnceAsync(client, watching.Token);
            Task<string?> silence = liveness.WatchAsync(client, watching.Token);
            // Disposing the command is the only way to unblock a reader parked in Read.
            using (stop.Register(() => DisposeQuietly(command)))
            {
                Task first = await Task.WhenAny(pump, silence, execution);
                if (first == silence && await silence is not null)
                    DisposeQuietly(command);
                // A command that ended (or whose exec request failed) closes its output; if it does
                // not, the reader would wait forever.
                else if (first == execution && await Task.WhenAny(pump, Task.Delay(StreamEnd.SettleTime, stop)) != pump)
                    DisposeQuietly(command);
                await pump;
            }
            await watching.CancelAsync();
            await privileges;
            stop.ThrowIfCancellationRequested();
            end = await silence is { } why ? ConnectionEnd.Warning(why) : await StreamEnd.OfAsync(command, execution, stderr);
            return end;
        }
        catch (Exception e) when (!stop.IsCancellationRequested)
        {
            end = StreamEnd.Describe(e);
            throw;
        }
        finally
        {
            _status.SetGerrit(false);
            // A stop is not a gap: the state file (or nothing) carries on from there.
            if (started && !stop.IsCancellationRequested) _gaps?.SessionEnded(end?.Reason ?? "connection lost");
        }
    }

    private void Pump(Stream output, LivenessWatch liveness)
    {
        try
        {
            _lines.Pump(output, liveness.Touch);
        }
        catch (ObjectDisposedException)
        {
            // The command was disposed (stop) or the channel closed under the reader: end of stream.
        }
    }

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

    private static void DisposeQuietly(SshCommand command)
    {
        try { command.Dispose(); }
        catch (Exception) { /* stopping: nothing useful to do with a failure to close */ }
    }
}
