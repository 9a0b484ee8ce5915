using System.Net.Sockets;
using System.Text;
using Germqtt.Tests.Fixtures;

namespace Germqtt.Tests;

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
    public async Task Ready_comes_once_both_sides_are_connected_and_stopping_on_SIGTERM(bool abstractSocket)
    {
        string address = abstractSocket ? $"@germqtt-test-{Guid.NewGuid():N}" : Path.Combine(Gerrit.Dir, $"notify-{Guid.NewGuid():N}");
        using var systemd = new NotifySocket(address);
        await using var bridge = GermqttProcess.Start(["--config", IniFile.ForBridge(Gerrit, Broker)], null,
            new Dictionary<string, string?> { ["NOTIFY_SOCKET"] = address });

        await Eventually.UntilAsync(() => systemd.Messages.Any(m => m.Contains("READY=1")), Wait, "READY=1", bridge.Transcript);
        string ready = systemd.Messages.Single(m => m.Contains("READY=1"));
        Assert.That(ready, Does.Contain($"STATUS=gerrit {Gerrit.Host}:{Gerrit.Port} connected, mqtt {Broker.Host}:{Broker.Port} connected"));

        bridge.Signal(Signals.SIGTERM);
        Assert.That(await bridge.WaitForExitAsync(Wait), Is.Zero);
        Assert.That(systemd.Messages, Has.Some.EqualTo("STOPPING=1"));
        Assert.That(systemd.Messages.Count(m => m.Contains("READY=1")), Is.EqualTo(1));
    }

    [Test]
    public async Task Ready_waits_for_a_broker_that_is_down()
    {
        string address = Path.Combine(Gerrit.Dir, $"notify-{Guid.NewGuid():N}");
        using var systemd = new NotifySocket(address);
        string config = IniFile.ForBridge(Gerrit, Broker, tweak: s => s["mqtt"]["port"] = FreePort.Next().ToString());
        await using var bridge = await RunningBridge.StartAsync(Gerrit, ["--config", config], new Dictionary<string, string?> { ["NOTIFY_SOCKET"] = address });

        await Eventually.UntilAsync(() => systemd.Messages.Any(m => m.Contains("gerrit") && m.Contains("connected, mqtt")), Wait, "a STATUS line");
        Assert.That(systemd.Messages, Has.None.Contains("READY=1"));
        Assert.That(systemd.Messages.Last(), Does.Contain("reconnecting"));
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
