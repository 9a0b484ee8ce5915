using Germqtt.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Germqtt.Tests.Daemon;

/// <summary>The bridge as a user runs it: real germqtt process, real sshd as Gerrit, real Mosquitto.</summary>
public class BridgeEndToEndTests : DaemonTestBase
{
    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    public async Task Every_sample_event_arrives_once_in_order_on_its_topic_byte_for_byte(int qos)
    {
        string topic = RunningBridge.UniqueTopic();
        await using var probe = await MqttProbe.StartAsync(Broker, $"{topic}/#");
        await using var bridge = await RunningBridge.StartAsync(Gerrit, IniFile.ForBridge(Gerrit, Broker, topic, qos));

        await SampleEvents.EmitAndAssertEachArrivesOnceInOrderAsync(Gerrit, probe, topic, Wait);
        Assert.That(bridge.StdErr, Has.None.Contains("error:").And.None.Contains("warning:"), bridge.Transcript);
    }

    [TestCase("3.1.1")]
    [TestCase("5")]
    public async Task At_qos_2_a_burst_of_events_arrives_in_Gerrits_order(string protocol)
    {
        // Several QoS 2 publishes are under way at once; Mosquitto delivers each at its PUBREL.
        const int total = 2000;
        string topic = RunningBridge.UniqueTopic();
        await using var probe = await MqttProbe.StartAsync(Broker, $"{topic}/#", MqttQualityOfServiceLevel.AtMostOnce);
        await using var bridge = await RunningBridge.StartAsync(Gerrit,
            IniFile.ForBridge(Gerrit, Broker, topic, qos: 2, tweak: s => s["mqtt"]["protocol"] = protocol));

        Gerrit.Emit([.. Enumerable.Range(0, total).Select(i => Outage.Event("p", i))]);
        await probe.WaitForCountAsync(total, Wait);

        Assert.That(probe.Messages.Select(Outage.Sequence), Is.EqualTo(Enumerable.Range(0, total)), probe.Describe);
    }

    [TestCase("rsa", "")]
    [TestCase("rsa", "PEM")]
    [TestCase("ecdsa", "")]
    [TestCase("ecdsa", "PEM")]
    [TestCase("ed25519", "")]
    public async Task Private_keys_of_each_type_and_format_log_in(string type, string format)
    {
        string key = Path.Combine(Gerrit.Dir, $"user-{type}-{format}-{Guid.NewGuid():N}");
        TestKeys.Generate(key, type, format);
        File.AppendAllText(Path.Combine(Gerrit.Dir, "authorized_keys"), File.ReadAllText(key + ".pub"));
        string topic = RunningBridge.UniqueTopic();
        await using var probe = await MqttProbe.StartAsync(Broker, $"{topic}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var bridge = await RunningBridge.StartAsync(Gerrit, IniFile.ForBridge(Gerrit, Broker, topic, tweak: s => s["gerrit"]["key"] = key));
        Gerrit.Emit("""{"type":"comment-added","project":"keys"}""");
        await probe.WaitForCountAsync(1, Wait);
    }

    [Test]
    public async Task A_malformed_line_is_logged_and_skipped_and_later_events_still_arrive()
    {
        string topic = RunningBridge.UniqueTopic();
        await using var probe = await MqttProbe.StartAsync(Broker, $"{topic}/#");
        await using var bridge = await RunningBridge.StartAsync(Gerrit, IniFile.ForBridge(Gerrit, Broker, topic, qos: 1));

        Gerrit.Emit("""{"type":"comment-added","project":"before"}""", "this is not json {", """{"no":"type"}""",
            """{"type":"comment-added","project":"after"}""");
        await probe.WaitForCountAsync(2, Wait);

        Assert.That(probe.Messages.Select(m => m.Topic), Is.EqualTo(new[] { $"{topic}/before/comment-added", $"{topic}/after/comment-added" }));
        await bridge.WaitForOutputAsync(l => l.Contains("skipped a malformed event line (not valid JSON") && l.Contains("this is not json {"), Wait);
        await bridge.WaitForOutputAsync(l => l.Contains("skipped a malformed event line (no string \"type\" member): {\"no\":\"type\"}"), Wait);
        Assert.That(bridge.HasExited, Is.False);
    }

    [Test]
    public async Task The_original_command_line_with_a_positional_config_and_foreground_flag_works()
    {
        string topic = RunningBridge.UniqueTopic();
        await using var probe = await MqttProbe.StartAsync(Broker, $"{topic}/#");
        string config = IniFile.ForBridge(Gerrit, Broker, topic);
        await using var bridge = await RunningBridge.StartAsync(Gerrit, [config, "-f"]);

        Gerrit.Emit("""{"type":"change-merged","change":{"project":"openstack/nova"}}""");
        await probe.WaitForCountAsync(1, Wait);
        Assert.That(probe.Messages.Single().Topic, Is.EqualTo($"{topic}/openstack/nova/change-merged"));
    }

    [Test]
    public async Task A_bad_config_exits_78_naming_the_key_before_connecting_anywhere()
    {
        int commandsBefore = Gerrit.Commands().Count;
        int brokerConnectionsBefore = BrokerConnections();
        string config = IniFile.ForBridge(Gerrit, Broker, tweak: s =>
        {
            s["mqtt"]["qos"] = "5";
            s["mqtt"]["password"] = "s3cr3t-value";
            s["gerrit"].Remove("username");
        });

        await using var bridge = GermqttProcess.Start("--config", config);
        Assert.That(await bridge.WaitForExitAsync(Wait), Is.EqualTo(78), bridge.Transcript);

        string log = string.Join("\n", bridge.StdErr);
        Assert.That(log, Does.Contain("[mqtt] qos: must be a whole number from 0 to 2 (got '5')"));
        Assert.That(log, Does.Contain("[gerrit] username: is required"));
        Assert.That(log, Does.Contain("[mqtt] password: is set but [mqtt] username is not"));
        Assert.That(log, Does.Not.Contain("s3cr3t-value"));
        Assert.That(Gerrit.Commands(), Has.Count.EqualTo(commandsBefore), "germqtt ran a command on Gerrit");
        Assert.That(BrokerConnections(), Is.EqualTo(brokerConnectionsBefore), "germqtt connected to the broker");
    }

    [Test]
    public async Task Check_config_accepts_a_good_file_and_rejects_a_bad_one_without_connecting()
    {
        int commandsBefore = Gerrit.Commands().Count;
        await using (var good = GermqttProcess.Start("--check-config", "--config", IniFile.ForBridge(Gerrit, Broker)))
        {
            Assert.That(await good.WaitForExitAsync(Wait), Is.Zero, good.Transcript);
            Assert.That(good.StdOut, Has.Some.EndsWith(": OK"));
        }
        string bad = IniFile.ForBridge(Gerrit, Broker, tweak: s => s["gerrit"]["port"] = "ssh");
        await using (var rejected = GermqttProcess.Start("--check-config", bad))
        {
            Assert.That(await rejected.WaitForExitAsync(Wait), Is.EqualTo(78), rejected.Transcript);
            Assert.That(rejected.StdErr, Has.Some.Contains("[gerrit] port: must be a whole number from 1 to 65535 (got 'ssh')"));
        }
        Assert.That(Gerrit.Commands(), Has.Count.EqualTo(commandsBefore));
    }

    [Test]
    public async Task A_Gerrit_that_refuses_stream_events_is_logged_with_its_own_message()
    {
        Gerrit.Refuse();
        try
        {
            await using var bridge = GermqttProcess.Start("--config", IniFile.ForBridge(Gerrit, Broker));
            string line = await bridge.WaitForOutputAsync(l => l.Contains(TestGerrit.DefaultRefusal), Wait);
            Assert.That(line, Does.Contain("error:").And.Contain($"gerrit {TestGerrit.Host}:{Gerrit.Port}: `gerrit stream-events` failed"));
        }
        finally
        {
            Gerrit.Accept();
        }
    }

    [Test]
    public async Task SIGTERM_stops_cleanly_with_exit_0_and_removes_the_pid_file()
    {
        string pidFile = Path.Combine(Gerrit.Dir, $"germqtt-{Guid.NewGuid():N}.pid");
        string config = IniFile.ForBridge(Gerrit, Broker, tweak: s => s["default"]["pidfile"] = pidFile);
        await using var bridge = await RunningBridge.StartAsync(Gerrit, config);
        Assert.That(File.ReadAllText(pidFile).Trim(), Is.EqualTo(bridge.Pid.ToString()));

        bridge.Signal(Signals.SIGTERM);
        Assert.That(await bridge.WaitForExitAsync(Wait), Is.Zero, bridge.Transcript);
        Assert.That(File.Exists(pidFile), Is.False);
        Assert.That(bridge.StdErr, Has.Some.Contains("received SIGTERM"));
        Assert.That(bridge.StdErr, Has.Some.Contains("mqtt 127.0.0.1").And.Contains("disconnected"));
    }

    [Test]
    public async Task Events_are_logged_one_per_line_only_at_debug_level()
    {
        string topic = RunningBridge.UniqueTopic();
        await using var probe = await MqttProbe.StartAsync(Broker, $"{topic}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var quiet = await RunningBridge.StartAsync(Gerrit, IniFile.ForBridge(Gerrit, Broker, topic));
        await using var chatty = await RunningBridge.StartAsync(Gerrit, IniFile.ForBridge(Gerrit, Broker, topic,
            tweak: s => s["mqtt"]["client_id"] = "germqtt-debug"), "--log-level", "debug");

        Gerrit.Emit("""{"type":"patchset-created","project":"p"}""");
        await probe.WaitForCountAsync(2, Wait);
        await chatty.WaitForOutputAsync(l => l.Contains($"debug: event patchset-created -> {topic}/p/patchset-created"), Wait);
        Assert.That(quiet.StdErr, Has.None.Contains("patchset-created"));
    }

    [Test]
    public async Task The_broker_sees_one_MQTT_3_1_1_connection_with_the_configured_client_id_keepalive_and_user()
    {
        string topic = RunningBridge.UniqueTopic();
        string clientId = "germqtt-" + topic;
        await using var probe = await MqttProbe.StartAsync(Broker, $"{topic}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var bridge = await RunningBridge.StartAsync(Gerrit, IniFile.ForBridge(Gerrit, Broker, topic, qos: 1, tweak: s =>
        {
            s["mqtt"]["client_id"] = clientId;
            s["mqtt"]["keepalive"] = "17";
            s["mqtt"]["username"] = "publisher";
            s["mqtt"]["password"] = "pw-never-logged";
        }));

        Gerrit.Emit([.. Enumerable.Range(0, 25).Select(i => $$$"""{"type":"ref-updated","refUpdate":{"project":"p{{{i}}}"}}""")]);
        await probe.WaitForCountAsync(25, Wait);
        var connects = Broker.Log().Split('\n').Where(l => l.Contains($"as {clientId} ")).ToList();
        Assert.That(connects, Has.Count.EqualTo(1), "one connection for all events");
        Assert.That(connects[0], Does.Contain("(p2, c1, k17, u'publisher')"));
        Assert.That(bridge.Output, Has.None.Contains("pw-never-logged"));
    }

    [Test]
    public async Task Version_and_help_answer_without_a_config()
    {
        await using var version = GermqttProcess.Start("--version");
        Assert.That(await version.WaitForExitAsync(Wait), Is.Zero);
        Assert.That(version.StdOut, Has.Some.Match(@"^\d+\.\d+\.\d+"));
        await using var help = GermqttProcess.Start("--help");
        Assert.That(await help.WaitForExitAsync(Wait), Is.Zero);
        Assert.That(string.Join("\n", help.StdOut), Does.Contain("--config").And.Contain("--check-config").And.Contain("--log-level"));
    }

    private int BrokerConnections() => Broker.Log().Split('\n').Count(l => l.Contains("New connection from"));
}
