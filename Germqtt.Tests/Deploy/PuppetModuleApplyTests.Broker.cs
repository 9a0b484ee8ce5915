using System.Text.Json;
using System.Text.RegularExpressions;
using Germqtt.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Germqtt.Tests.Deploy;

/// <summary>The broker as the module configured it: who may publish, who may read, and over which listener.</summary>
public partial class PuppetModuleApplyTests
{
    [Test]
    public async Task The_publisher_can_publish_and_an_anonymous_subscriber_receives_it()
    {
        await using var probe = await MqttProbe.StartAsync(ConfiguredMosquitto.Host, Broker.Port, $"{topic}/#");
        var pub = await MosquittoPub.PublishAsync(Broker.Port, $"{topic}/p/hello", "from the publisher", Publisher, password);
        Assert.That(pub.ExitCode, Is.Zero, () => PuppetTools.Describe(pub));
        await probe.WaitForCountAsync(1, Wait);
        Assert.That(probe.Messages.Single().Text, Is.EqualTo("from the publisher"));
    }

    [Test]
    public async Task An_anonymous_publish_is_dropped_and_never_reaches_subscribers()
    {
        await using var probe = await MqttProbe.StartAsync(ConfiguredMosquitto.Host, Broker.Port, "#");
        // mosquitto_pub exits 0 either way: the ACL drops the message silently.
        var anonymous = await MosquittoPub.PublishAsync(Broker.Port, $"{topic}/anonymous", "must not arrive");
        Assert.That(anonymous.ExitCode, Is.Zero, () => PuppetTools.Describe(anonymous));
        await AssertOnlySentinelArrivesAsync(probe, "must not arrive");
    }

    [Test]
    public async Task A_publisher_cannot_publish_outside_its_topics()
    {
        await using var probe = await MqttProbe.StartAsync(ConfiguredMosquitto.Host, Broker.Port, "#");
        var outside = await MosquittoPub.PublishAsync(Broker.Port, "elsewhere/x", "outside its topics", Publisher, password);
        Assert.That(outside.ExitCode, Is.Zero, () => PuppetTools.Describe(outside));
        await AssertOnlySentinelArrivesAsync(probe, "outside its topics");
    }

    [Test]
    public async Task A_wrong_password_is_refused()
    {
        var wrong = await MosquittoPub.PublishAsync(Broker.Port, $"{topic}/x", "with a wrong password", Publisher, password + "x");
        Assert.That(wrong.ExitCode, Is.Not.Zero, () => PuppetTools.Describe(wrong));
        Assert.That(wrong.StdErr + wrong.StdOut, Does.Contain("not authorised"), () => PuppetTools.Describe(wrong));
    }

    [Test]
    public async Task A_websockets_client_receives_what_the_publisher_sends()
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ApplicationMessageReceivedAsync += e =>
        {
            received.TrySetResult($"{e.ApplicationMessage.Topic} {e.ApplicationMessage.ConvertPayloadToString()}");
            return Task.CompletedTask;
        };
        var options = new MqttClientOptionsBuilder()
            .WithWebSocketServer(o => o.WithUri($"ws://127.0.0.1:{websocketsPort}/mqtt"))
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build();
        using var cts = new CancellationTokenSource(Wait);
        await client.ConnectAsync(options, cts.Token);
        await client.SubscribeAsync($"{topic}/ws/#", MqttQualityOfServiceLevel.AtLeastOnce, cts.Token);

        var pub = await MosquittoPub.PublishAsync(Broker.Port, $"{topic}/ws/event", "over websockets", Publisher, password);
        Assert.That(pub.ExitCode, Is.Zero, () => PuppetTools.Describe(pub));
        var arrived = await received.Task.WaitAsync(Wait);
        Assert.That(arrived, Is.EqualTo($"{topic}/ws/event over websockets"));
        await client.DisconnectAsync(new MqttClientDisconnectOptions(), CancellationToken.None);
    }

    [Test]
    public async Task A_TLS_client_that_trusts_the_CA_can_publish_over_the_TLS_listener()
    {
        await using var probe = await MqttProbe.StartAsync(ConfiguredMosquitto.Host, Broker.Port, $"{topic}/#");
        var pub = await MosquittoPub.PublishAsync(tlsPort, $"{topic}/tls/event", "over TLS", Publisher, password,
            ["--cafile", certificate]);
        Assert.That(pub.ExitCode, Is.Zero, () => PuppetTools.Describe(pub) + "\n" + Broker.Describe());
        await probe.WaitForCountAsync(1, Wait);
        Assert.That(probe.Messages.Single().Text, Is.EqualTo("over TLS"));

        var untrusted = await MosquittoPub.PublishAsync(tlsPort, $"{topic}/tls/event", "without the CA", Publisher, password,
            ["--cafile", "/dev/null"]);
        Assert.That(untrusted.ExitCode, Is.Not.Zero, "a client that does not trust the CA is refused");
    }

    /// <summary>The second apply (above) leaves the copy alone; this checks what it holds and that mosquitto serves it.</summary>
    [Test]
    public async Task The_websockets_listener_serves_exactly_the_live_page_the_module_ships()
    {
        string www = Path.Combine(PuppetTools.ModuleDir("mosquitto"), "files", "www");
        string copy = root.P("/var/www/mosquitto");
        IEnumerable<string> Files(string dir) =>
            Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f)).Order();
        Assert.That(Files(copy), Is.EqualTo(Files(www)));

        using var http = new HttpClient { Timeout = Wait };
        string page = await http.GetStringAsync($"http://127.0.0.1:{websocketsPort}/");
        Assert.That(page, Is.EqualTo(File.ReadAllText(Path.Combine(www, "index.html"))));
    }

    /// <summary>
    /// Also the [mqtt] status_topic and [filter] exclude_refs keys the module wrote: the status
    /// arrives where the INI says, and a ref-updated event emitted first is filtered out.
    /// </summary>
    [Test]
    public async Task Germqtt_run_from_the_rendered_ini_publishes_a_Gerrit_event_to_the_rendered_broker()
    {
        await using var probe = await MqttProbe.StartAsync(ConfiguredMosquitto.Host, Broker.Port, $"{topic}/#");
        await using var status = await MqttProbe.StartAsync(ConfiguredMosquitto.Host, Broker.Port, StatusTopic);
        await using var bridge = await RunningBridge.StartAsync(gerrit, IniPath);
        gerrit.Emit(
            """{"type":"ref-updated","refUpdate":{"project":"openstack/nova","refName":"refs/meta/config"}}""",
            """{"type":"change-merged","change":{"project":"openstack/nova"}}""");
        await probe.WaitForCountAsync(1, Wait);
        Assert.That(probe.Messages.Single().Topic, Is.EqualTo($"{topic}/openstack/nova/change-merged"), probe.Describe);
        await Eventually.UntilAsync(() => status.Messages.Any(m => m.Text.Contains("\"state\":\"online\"")), Wait,
            $"germqtt's online status on {StatusTopic}", status.Describe);
        Assert.That(bridge.StdErr, Has.None.Contains("error:"), bridge.Transcript);
    }

    /// <summary>Publishes a sentinel as the publisher; everything published before it has been handled by then.</summary>
    private async Task AssertOnlySentinelArrivesAsync(MqttProbe probe, string forbidden)
    {
        string sentinel = $"sentinel-{Guid.NewGuid():N}";
        var pub = await MosquittoPub.PublishAsync(Broker.Port, $"{topic}/sentinel", sentinel, Publisher, password);
        Assert.That(pub.ExitCode, Is.Zero, () => PuppetTools.Describe(pub));
        await Eventually.UntilAsync(() => probe.Messages.Any(m => m.Text == sentinel), Wait,
            "the publisher's sentinel message", () => probe.Describe() + "\n" + Broker.Describe());
        Assert.That(probe.Messages.Select(m => m.Text), Has.None.EqualTo(forbidden), () => probe.Describe() + "\n" + Broker.Describe());
    }
}
