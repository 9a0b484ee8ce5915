using System.Net.Sockets;
using System.Text;

namespace Germqtt.Host;

/// <summary>
/// sd_notify(3) without libsystemd: datagrams to $NOTIFY_SOCKET ("@…" is the abstract namespace).
/// Without that variable (not under systemd Type=notify) every call does nothing.
/// </summary>
public sealed class SystemdNotifier : IDisposable
{
    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _endpoint;
    private readonly Log _log;

    public SystemdNotifier(Log log, string? notifySocket)
    {
        _log = log;
        if (string.IsNullOrEmpty(notifySocket)) return;
        _endpoint = new UnixDomainSocketEndPoint(notifySocket[0] == '@' ? "\0" + notifySocket[1..] : notifySocket);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    }

    public static SystemdNotifier ForProcess(Log log) => new(log, Environment.GetEnvironmentVariable("NOTIFY_SOCKET"));

    /// <summary>Half of $WATCHDOG_USEC, when systemd watches us; null otherwise.</summary>
    public static TimeSpan? WatchdogInterval()
    {
        if (!long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), out long usec) || usec <= 0) return null;
        string? pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (pid is not null && pid != Environment.ProcessId.ToString()) return null;
        return TimeSpan.FromMicroseconds(usec / 2.0);
    }

    /// <summary>WatchdogSec= in the unit: proves the process is alive at half the interval systemd allows, until stopped.</summary>
    public async Task FeedWatchdogAsync(CancellationToken stop)
    {
        if (WatchdogInterval() is not { } interval) return;
        try
        {
            while (true)
            {
                Notify("WATCHDOG=1");
                await Task.Delay(interval, stop);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Notify(string state)
    {
        if (_socket is null) return;
        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(state), _endpoint!);
        }
        catch (SocketException e)
        {
            // systemd may be restarting; the bridge must not fail over its status report.
            _log.Debug($"sd_notify failed: {e.Message}");
        }
    }

    public void Dispose() => _socket?.Dispose();
}
