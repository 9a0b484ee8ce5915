using System.Text;
using System.Text.Json;
using Germqtt.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Germqtt.Tests.Daemon;

/// <summary>What an operator of a public firehose uses: status, counters, filters, dry run, connection check.</summary>
public class OperatorTests : DaemonTestBase
{
    private string Config(string topic, Action<Dictionary<string, Dictionary<string, string>>>? tweak = null) =>
        IniFile.ForBridge(Gerrit, Broker, topic, qos: 1, s =>
        {
            s["mqtt"]["client_id"] = "germqtt-" + topic;
            s["mqtt"]["status_topic"] = $"status/{topic}";
            s["filter"] = [];
            tweak?.Invoke(s);
        });

    private static JsonElement Json(Received m) => JsonDocument.Parse(m.Payload).RootElement;

    [Test]
    public async Task The_status_topic_says_online_while_running_and_offline_after_SIGTERM_or_SIGKILL()
    {
        foreach (var signal in new[] { Signals.SIGTERM, Signals.SIGKILL })
        {
            string topic = RunningBridge.UniqueTopic();
            await using var bridge = await RunningBridge.StartAsync(Gerrit, Config(topic));
            // Once the broker has taken the document, a subscriber gets the stored (retained) copy.
            await Eventually.UntilAsync(() => Broker.Log().Contains($"'status/{topic}'"), Wait, "the online document at the broker", Broker.Describe);
            // A late subscriber still sees the state: it is retained.
            await using (var late = await MqttProbe.StartAsync(Broker, $"status/{topic}"))
            {
                await late.WaitForCountAsync(1, Wait);
                var online = late.Messages.Single();
                Assert.That(online.Retain, Is.True);
                Assert.That(Json(online).GetProperty("state").GetString(), Is.EqualTo("online"));
                Assert.That(Json(online).GetProperty("gerrit").GetString(), Is.EqualTo($"{TestGerrit.Host}:{Gerrit.Port}"));
            }

            bridge.Signal(signal);
            await bridge.WaitForExitAsync(Wait);
            await using var after = await MqttProbe.StartAsync(Broker, $"status/{topic}");
            await Eventually.UntilAsync(() => after.Messages.Any(m => Json(m).GetProperty("state").GetString() == "offline"), Wait,
                $"a retained offline after signal {signal}", after.Describe);
        }
    }

    [Test]
    public async Task Stats_documents_arrive_on_schedule_with_the_counts_of_what_was_streamed_filtered_and_broken()
    {
        string topic = RunningBridge.UniqueTopic();
        await using var stats = await MqttProbe.StartAsync(Broker, $"status/{topic}/stats", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var bridge = await RunningBridge.StartAsync(Gerrit, Config(topic, s =>
        {
            s["default"]["stats_interval"] = "0.3";
            s["filter"]["exclude_projects"] = "noisy/*";
        }));
        Gerrit.Emit(Outage.Event("p", 1), Outage.Event("p", 2), Outage.Event("p", 3), "not json",
            """{"type":"comment-added","project":"noisy/a"}""", """{"type":"comment-added","project":"noisy/b"}""");

        // Reading and publishing run apart: wait for a document taken after both were done.
        static bool AllCounted(JsonElement s) => s.GetProperty("published").GetInt64() == 3 && s.GetProperty("read").GetInt64() == 6;
        await Eventually.UntilAsync(() => stats.Messages.Any(m => AllCounted(Json(m))), Wait, "stats with 6 read and 3 published", stats.Describe);
        var last = Json(stats.Messages[stats.Messages.Count - 1]);
        Assert.That(last.GetProperty("read").GetInt64(), Is.EqualTo(6));
        Assert.That(last.GetProperty("malformed").GetInt64(), Is.EqualTo(1));
        Assert.That(last.GetProperty("filtered").GetInt64(), Is.EqualTo(2));
        Assert.That(last.GetProperty("buffered").GetInt64(), Is.Zero);
        Assert.That(last.GetProperty("gerrit").GetString(), Is.EqualTo("connected"));
        Assert.That(last.GetProperty("mqtt").GetString(), Is.EqualTo("connected"));
        Assert.That(last.GetProperty("seconds_since_last_event").GetDouble(), Is.LessThan(60));
        int before = stats.Messages.Count;
        await stats.WaitForCountAsync(before + 2, Wait);
    }

    [Test]
    public async Task Event_types_are_asked_of_Gerrit_and_project_and_ref_filters_drop_exactly_the_matching_events()
    {
        string topic = RunningBridge.UniqueTopic();
        await using var probe = await MqttProbe.StartAsync(Broker, $"{topic}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var bridge = await RunningBridge.StartAsync(Gerrit, Config(topic, s =>
        {
            s["gerrit"]["event_types"] = "comment-added, ref-updated";
            s["filter"]["include_projects"] = "openstack/*";
            s["filter"]["exclude_projects"] = "openstack/secret";
            s["filter"]["exclude_refs"] = "refs/changes/*/meta";
        }));
        Assert.That(Gerrit.Commands(), Has.Some.EqualTo("gerrit stream-events -s comment-added -s ref-updated"));

        Gerrit.Emit(
            """{"type":"comment-added","project":"openstack/nova"}""",
            """{"type":"comment-added","project":"other/thing"}""",
            """{"type":"comment-added","project":"openstack/secret"}""",
            """{"type":"ref-updated","refUpdate":{"project":"openstack/nova","refName":"refs/changes/45/12345/meta"}}""",
            """{"type":"ref-updated","refUpdate":{"project":"openstack/nova","refName":"refs/heads/master"}}""",
            """{"type":"dropped-output"}""");
        await probe.WaitForCountAsync(3, Wait);
        bridge.Signal(Signals.SIGTERM);
        await bridge.WaitForExitAsync(Wait);
        Assert.That(probe.Messages.Select(m => m.Topic), Is.EqualTo(new[]
        {
            $"{topic}/openstack/nova/comment-added", $"{topic}/openstack/nova/ref-updated", $"{topic}//dropped-output",
        }));
        Assert.That(bridge.StdErr, Has.Some.Contains("filtered=3"));
    }

    [Test]
    public async Task Stdin_and_dry_run_print_the_sample_events_byte_for_byte_without_gerrit_or_broker()
    {
        var result = await ProcessRunner.RunAsync(GermqttProcess.DotnetHost(),
            [GermqttProcess.DllPath, "--stdin", "--dry-run", "--config", "/nonexistent/germqtt.ini"],
            stdin: File.ReadAllBytes(SampleEvents.Path));
        var lines = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var samples = SampleEvents.Lines();
        Assert.That(lines, Has.Length.EqualTo(samples.Count));
        for (int i = 0; i < samples.Count; i++)
            Assert.That(lines[i], Is.EqualTo($"{SampleEvents.ExpectedTopic("gerrit", samples[i])}\t{Encoding.UTF8.GetString(samples[i])}"));
    }

    [Test]
    public async Task Dry_run_reads_gerrit_and_prints_instead_of_publishing()
    {
        string topic = RunningBridge.UniqueTopic();
        await using var probe = await MqttProbe.StartAsync(Broker, $"{topic}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var bridge = await RunningBridge.StartAsync(Gerrit, Config(topic, s => s["mqtt"]["hostname"] = "broker.invalid"), "--dry-run");
        Gerrit.Emit("""{"type":"change-merged","change":{"project":"p"}}""");
        await bridge.WaitForOutputAsync(l => l == $"{topic}/p/change-merged\t{{\"type\":\"change-merged\",\"change\":{{\"project\":\"p\"}}}}", Wait);
        Assert.That(probe.Messages, Is.Empty);
    }

    [Test]
    public async Task Stdin_replays_a_saved_stream_to_the_broker()
    {
        string topic = RunningBridge.UniqueTopic();
        await using var probe = await MqttProbe.StartAsync(Broker, $"{topic}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        var result = await ProcessRunner.RunAsync(GermqttProcess.DotnetHost(), [GermqttProcess.DllPath, "--stdin", "--config", Config(topic)],
            stdin: File.ReadAllBytes(SampleEvents.Path));
        Assert.That(result.ExitCode, Is.Zero);
        await probe.WaitForCountAsync(102, Wait);
        Assert.That(probe.Messages.Select(m => m.Payload), Is.EqualTo(SampleEvents.Lines()));
    }
}
