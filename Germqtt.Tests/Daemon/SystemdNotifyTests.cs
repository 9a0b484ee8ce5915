using System.Net.Sockets;
using System.Text;
using Germqtt.Tests.Fixtures;

namespace Germqtt.Tests.Daemon;

/// <summary>germqtt under systemd Type=notify, with a datagram socket standing in for systemd.</summary>
public class SystemdNotifyTests : DaemonTestBase
{
    /// <summary>Collects what germqtt sends to $NOTIFY_SOCKET.</summary>
    private sealed class NotifySocket : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        private readonly List<string> _messages = [];
        private readonly Task _receiving;

        public NotifySocket(string address)
        {
            Address = address;
            _socket.Bind(new UnixDomainSocketEndPoint(address.StartsWith('@') ? "\0" + address[1..] : address));
            _receiving = Task.Run(ReceiveAll);
        }

        public string Address { get; }

        public IReadOnlyList<string> Messages
        {
            get { lock (_messages) return [.. _messages]; }
        }

        private async Task ReceiveAll()
        {
            var buffer = new byte[4096];
            try
            {
                while (true)
                {
                    int n = await _socket.ReceiveAsync(buffer);
                    lock (_messages) _messages.Add(Encoding.UTF8.GetString(buffer, 0, n));
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }

        public void Dispose()
        {
            _socket.Dispose();
            _receiving.Wait(TimeSpan.FromSeconds(5));
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Ready_comes_once_running_status_says_when_both_sides_are_connected_and_stopping_on_SIGTERM(bool abstractSocket)
    {
        string address = abstractSocket ? $"@germqtt-test-{Guid.NewGuid():N}" : Path.Combine(Gerrit.Dir, $"notify-{Guid.NewGuid():N}");
        using var systemd = new NotifySocket(address);
        await using var bridge = GermqttProcess.Start(["--config", IniFile.ForBridge(Gerrit, Broker)], null,
            new Dictionary<string, string?> { ["NOTIFY_SOCKET"] = address });

        string connected = $"STATUS=gerrit {TestGerrit.Host}:{Gerrit.Port} connected, mqtt {Mosquitto.Host}:{Broker.Port} connected";
        await Eventually.UntilAsync(() => systemd.Messages.Any(m => m.Contains(connected)), Wait, connected, bridge.Transcript);
        // A side may connect (and say so) before READY=1 goes out; READY itself carries the status too.
        Assert.That(systemd.Messages, Has.Exactly(1).StartsWith("READY=1\nSTATUS=gerrit"));

        bridge.Signal(Signals.SIGTERM);
        Assert.That(await bridge.WaitForExitAsync(Wait), Is.Zero);
        Assert.That(systemd.Messages, Has.Some.EqualTo("STOPPING=1"));
        Assert.That(systemd.Messages.Count(m => m.Contains("READY=1")), Is.EqualTo(1));
    }

    [Test]
    public async Task Ready_comes_while_the_broker_and_Gerrit_are_both_unreachable()
    {
        string address = Path.Combine(Gerrit.Dir, $"notify-{Guid.NewGuid():N}");
        using var systemd = new NotifySocket(address);
        var (gerritPort, brokerPort) = FreePort.Next(2) is [var g, var b] ? (g, b) : throw new InvalidOperationException();
        string config = IniFile.ForBridge(Gerrit, Broker, tweak: s =>
        {
            s["gerrit"]["port"] = gerritPort.ToString();
            s["mqtt"]["port"] = brokerPort.ToString();
        });
        await using var bridge = GermqttProcess.Start(["--config", config], null, new Dictionary<string, string?> { ["NOTIFY_SOCKET"] = address });

        await Eventually.UntilAsync(() => systemd.Messages.Any(m => m.Contains("READY=1")), Wait, "READY=1", bridge.Transcript);
        Assert.That(systemd.Messages.Single(m => m.Contains("READY=1")),
            Is.EqualTo($"READY=1\nSTATUS=gerrit {TestGerrit.Host}:{gerritPort} connecting, mqtt {Mosquitto.Host}:{brokerPort} connecting"));
        // Both sides keep trying behind the readiness, and say so.
        await Eventually.UntilAsync(() => bridge.Transcript().Contains($"{TestGerrit.Host}:{gerritPort}: cannot connect") &&
                                          bridge.Transcript().Contains($"{Mosquitto.Host}:{brokerPort}: connection failed"),
            Wait, "both sides retrying", bridge.Transcript);
        Assert.That(systemd.Messages, Has.None.Contains(" connected"));
    }

    [Test]
    public async Task The_watchdog_is_fed_when_systemd_asks_for_it()
    {
        string address = Path.Combine(Gerrit.Dir, $"notify-{Guid.NewGuid():N}");
        using var systemd = new NotifySocket(address);
        await using var bridge = GermqttProcess.Start(["--config", IniFile.ForBridge(Gerrit, Broker)], null,
            new Dictionary<string, string?> { ["NOTIFY_SOCKET"] = address, ["WATCHDOG_USEC"] = "200000" });
        await Eventually.UntilAsync(() => systemd.Messages.Count(m => m == "WATCHDOG=1") >= 3, Wait, "three WATCHDOG=1", bridge.Transcript);
    }
}
