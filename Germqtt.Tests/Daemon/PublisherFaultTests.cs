using System.Text;
using System.Text.RegularExpressions;
using Germqtt.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Germqtt.Tests.Daemon;

/// <summary>
/// The publisher against faults injected by an in-process broker: one event the broker will not
/// take never holds back the others, and a broken connection never loses what was in flight.
/// germqtt is the real process, reading its events from standard input.
/// </summary>
[NonParallelizable]
public partial class PublisherFaultTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private InProcessBroker _broker = null!;
    private string _dir = null!;

    [SetUp]
    public async Task StartBroker()
    {
        _broker = await InProcessBroker.StartAsync();
        _dir = Directory.CreateTempSubdirectory("germqtt-faults-").FullName;
    }

    [TearDown]
    public async Task StopBroker()
    {
        await _broker.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static string Event(string project, int n, int padding = 0) =>
        $$"""{"type":"t","project":"{{project}}","n":{{n}}{{(padding > 0 ? $",\"pad\":\"{new string('x', padding)}\"" : "")}}}""";

    private static List<string> Events(int count, int special, string specialEvent) =>
        [.. Enumerable.Range(0, count).Select(i => i == special ? specialEvent : Event("p", i))];

    /// <summary>Runs germqtt over <paramref name="lines"/> until it has delivered them and exited; returns its final counters.</summary>
    private async Task<Summary> RunAsync(IEnumerable<string> lines, int qos, string protocol, Action<Dictionary<string, string>>? mqtt = null)
    {
        var mqttKeys = new Dictionary<string, string>
        {
            ["hostname"] = InProcessBroker.Host,
            ["port"] = _broker.Port.ToString(),
            ["qos"] = qos.ToString(),
            ["protocol"] = protocol,
            ["retry_initial"] = "0.05",
            ["retry_max"] = "0.2",
        };
        mqtt?.Invoke(mqttKeys);
        string config = IniFile.Write(new Dictionary<string, Dictionary<string, string>> { ["mqtt"] = mqttKeys }, Path.Combine(_dir, "germqtt.ini"));
        await using var bridge = GermqttProcess.StartWithInput(["--config", config, "--stdin"]);
        await bridge.Input.WriteAsync(Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n"))));
        bridge.Input.Close();
        Assert.That(await bridge.WaitForExitAsync(Wait), Is.Zero, bridge.Transcript());
        return Summary.Of(bridge);
    }

    /// <summary>What germqtt counted by the time it stopped, from its last log line.</summary>
    private sealed partial record Summary(long Rejected, long Reconnects, string Transcript)
    {
        public static Summary Of(GermqttProcess bridge)
        {
            string stopped = bridge.StdErr.Last(l => l.Contains("stopped: read="));
            long Counter(string name) => long.Parse(Regex.Match(stopped, $@"\b{name}=(\d+)").Groups[1].Value);
            return new Summary(Counter("rejected"), Counter("mqtt_reconnects"), bridge.Transcript());
        }
    }

    /// <summary>Each payload in the order it first arrived.</summary>
    private List<string> FirstArrivals() =>
        [.. _broker.Taken.Select(a => Encoding.UTF8.GetString(a.Payload)).Distinct()];

    [TestCase(1)]
    [TestCase(2)]
    public async Task An_event_the_broker_always_drops_the_connection_on_is_set_aside_after_three_tries_and_the_rest_arrive_once_in_order(int qos)
    {
        string poison = Event("poison", 20);
        var lines = Events(60, 20, poison);
        _broker.CloseConnectionOn = a => a.Topic == "gerrit/poison/t";

        var summary = await RunAsync(lines, qos, "3.1.1");

        using (Assert.EnterMultipleScope())
        {
            // Three tries as the first in line; one more when it was first sent behind events still unacknowledged.
            Assert.That(_broker.Attempts.Count(a => a.Topic == "gerrit/poison/t"), Is.InRange(3, 4), _broker.Describe() + "\n" + summary.Transcript);
            var lastTries = _broker.Attempts.Where(a => a.Topic == "gerrit/poison/t").TakeLast(3).ToList();
            Assert.That(lastTries.Select(a => a.Connection), Is.EqualTo(Enumerable.Range(lastTries[0].Connection, 3)), "three sessions in a row");
            // While it is suspect it goes alone: nothing else was sent on those connections.
            Assert.That(_broker.Attempts.Where(a => lastTries.Skip(1).Any(t => t.Connection == a.Connection)), Has.All.Property("Topic").EqualTo("gerrit/poison/t"));
            Assert.That(summary.Rejected, Is.EqualTo(1), summary.Transcript);
            Assert.That(FirstArrivals(), Is.EqualTo(lines.Where(l => l != poison)), _broker.Describe());
            // Events after it were never taken before it was set aside: each arrives once.
            var later = lines.Skip(21).ToHashSet();
            Assert.That(_broker.Taken.Count(a => later.Contains(Encoding.UTF8.GetString(a.Payload))), Is.EqualTo(later.Count), _broker.Describe());
            Assert.That(summary.Transcript, Does.Contain("set aside the event for 'gerrit/poison/t' (" + Encoding.UTF8.GetByteCount(poison) + " bytes)"));
        }
    }

    [TestCase("5", 0)]
    [TestCase("3.1.1", 1024)]
    public async Task An_event_over_the_maximum_packet_size_is_set_aside_without_a_reconnect(string protocol, int configured)
    {
        string big = Event("big", 5, padding: 2000);
        var lines = Events(20, 5, big);
        // An MQTT 5 broker announces its limit; for MQTT 3.1.1 the configuration says it.
        if (configured == 0) _broker.MaximumPacketSize = 1024;

        var summary = await RunAsync(lines, 1, protocol, m =>
        {
            if (configured > 0) m["max_packet_size"] = configured.ToString();
        });

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_broker.Attempts.Select(a => a.Topic), Has.None.EqualTo("gerrit/big/t"));
            Assert.That(_broker.Taken.Select(a => Encoding.UTF8.GetString(a.Payload)), Is.EqualTo(lines.Where(l => l != big)));
            Assert.That(_broker.Connections, Is.EqualTo(1));
            Assert.That(summary.Rejected, Is.EqualTo(1));
            Assert.That(summary.Transcript, Does.Match(@"set aside the event for 'gerrit/big/t' \(\d+ bytes\): its PUBLISH packet of \d+ bytes is larger than the broker takes \(1024 bytes\)"));
        }
    }

    [TestCase(1)]
    [TestCase(2)]
    public async Task A_connection_dropped_in_the_middle_of_the_window_loses_nothing(int qos)
    {
        var lines = Events(300, -1, "");
        int seen = 0;
        // Once, on the 40th event of the first connection, with up to 20 in flight around it.
        _broker.CloseConnectionOn = a => a.Connection == 1 && Interlocked.Increment(ref seen) == 40;

        var summary = await RunAsync(lines, qos, "3.1.1");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(FirstArrivals(), Is.EqualTo(lines), _broker.Describe());
            Assert.That(_broker.Connections, Is.EqualTo(2));
            Assert.That(summary.Rejected, Is.Zero, summary.Transcript);
            Assert.That(summary.Transcript, Does.Not.Contain("set aside"));
        }
    }

    [Test]
    public async Task A_receive_maximum_below_max_inflight_is_honoured()
    {
        var lines = Events(50, -1, "");
        _broker.ReceiveMaximum = 3;
        // On the first connection nothing is acknowledged (germqtt's status document times out first),
        // so germqtt sends what its window allows and waits.
        _broker.WithholdAcknowledgementsOn = connection => connection == 1;

        var summary = await RunAsync(lines, 1, "5", m =>
        {
            m["max_inflight"] = "20";
            m["publish_timeout"] = "1";
        });

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_broker.Attempts.Count(a => a.Connection == 1), Is.EqualTo(3), _broker.Describe());
            Assert.That(FirstArrivals(), Is.EqualTo(lines));
            Assert.That(summary.Rejected, Is.Zero);
        }
    }

    [Test]
    public async Task A_topic_the_broker_refuses_with_a_reason_code_is_counted_rejected_and_the_rest_arrive()
    {
        string secret = Event("secret", 7);
        var lines = Events(20, 7, secret);
        _broker.Refuse = a => a.Topic == "gerrit/secret/t" ? MqttPubAckReasonCode.NotAuthorized : null;

        var summary = await RunAsync(lines, 1, "5");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_broker.Taken.Select(a => Encoding.UTF8.GetString(a.Payload)), Is.EqualTo(lines.Where(l => l != secret)));
            Assert.That(_broker.Connections, Is.EqualTo(1));
            Assert.That(summary.Rejected, Is.EqualTo(1));
            Assert.That(summary.Transcript, Does.Contain("set aside the event for 'gerrit/secret/t'").And.Contain("NotAuthorized"));
        }
    }

    [Test]
    public async Task The_stats_go_on_after_a_status_publish_timed_out()
    {
        _broker.WithholdAcknowledgementsOn = _ => true;
        string config = IniFile.Write(new Dictionary<string, Dictionary<string, string>>
        {
            ["default"] = new() { ["stats_interval"] = "0.2" },
            ["mqtt"] = new() { ["hostname"] = InProcessBroker.Host, ["port"] = _broker.Port.ToString(), ["publish_timeout"] = "0.3" },
        }, Path.Combine(_dir, "germqtt.ini"));
        await using var bridge = GermqttProcess.StartWithInput(["--config", config, "--stdin"]);

        // Each stats document times out unacknowledged; the reports must not end with the first.
        await Eventually.UntilAsync(() => bridge.StdErr.Count(l => l.Contains("info: stats: ")) >= 5, Wait, "five stats lines", bridge.Transcript);
    }
}
