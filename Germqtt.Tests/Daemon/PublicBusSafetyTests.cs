using System.Text;
using System.Text.Json;
using Germqtt.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Germqtt.Tests.Daemon;

/// <summary>The bus is public and anonymously readable: nothing private reaches it by default.</summary>
public class PublicBusSafetyTests : DaemonTestBase
{
    private static readonly string[] Mixed =
    [
        """{"type":"patchset-created","change":{"project":"p","number":1,"private":false},"seq":1}""",
        """{"type":"patchset-created","change":{"project":"p","number":2,"private":true},"seq":2}""",
        """{"type":"comment-added","change":{"project":"p","number":3},"seq":3}""",
        """{"type":"private-state-changed","change":{"project":"p","number":3,"private":true},"seq":4}""",
        """{"type":"comment-added","change":{"project":"p","number":3,"private":true},"seq":5}""",
        """{"type":"private-state-changed","change":{"project":"p","number":2,"private":false},"seq":6}""",
    ];

    private async Task<(MqttProbe Probe, GermqttProcess Bridge)> StartAsync(string topic, Action<Dictionary<string, string>>? filter = null)
    {
        var probe = await MqttProbe.StartAsync(Broker, $"{topic}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        var bridge = await RunningBridge.StartAsync(Gerrit, IniFile.ForBridge(Gerrit, Broker, topic, qos: 1, tweak: s =>
        {
            s["filter"] = [];
            filter?.Invoke(s["filter"]);
        }));
        return (probe, bridge);
    }

    private static async Task<string[]> StopAsync(GermqttProcess bridge)
    {
        bridge.Signal(Signals.SIGTERM);
        await bridge.WaitForExitAsync(TimeSpan.FromSeconds(30));
        return [.. bridge.StdErr];
    }

    [Test]
    public async Task Events_of_private_changes_are_dropped_and_counted_by_default()
    {
        string topic = RunningBridge.UniqueTopic();
        var (probe, bridge) = await StartAsync(topic);
        await using (probe)
        await using (bridge)
        {
            Gerrit.Emit([.. Mixed, """{"type":"sentinel","project":"end"}"""]);
            await Eventually.UntilAsync(() => probe.Messages.Any(m => m.Topic.EndsWith("/sentinel", StringComparison.Ordinal)), Wait, "the last event", probe.Describe);
            Assert.That(probe.Messages.Where(m => !m.Topic.EndsWith("/sentinel", StringComparison.Ordinal)).Select(Outage.Sequence), Is.EqualTo(new[] { 1, 3, 6 }));
            Assert.That(await StopAsync(bridge), Has.Some.Contains("dropped_private=3"));
        }
    }

    [Test]
    public async Task Publishing_private_changes_must_be_asked_for_and_is_warned_about()
    {
        string topic = RunningBridge.UniqueTopic();
        var (probe, bridge) = await StartAsync(topic, f => f["publish_private"] = "true");
        await using (probe)
        await using (bridge)
        {
            Gerrit.Emit(Mixed);
            await probe.WaitForCountAsync(Mixed.Length, Wait);
            Assert.That(probe.Messages.Select(Outage.Sequence), Is.EqualTo(new[] { 1, 2, 3, 4, 5, 6 }));
            Assert.That(bridge.StdErr, Has.Some.Contains("warning: [filter] publish_private = true"));
        }
    }

    [Test]
    public async Task Redacted_emails_are_gone_and_every_other_member_keeps_gerrits_bytes()
    {
        string topic = RunningBridge.UniqueTopic();
        var (probe, bridge) = await StartAsync(topic, f => f["redact_fields"] = "email");
        await using (probe)
        await using (bridge)
        {
            var samples = SampleEvents.Lines();
            Gerrit.EmitBytes(File.ReadAllBytes(SampleEvents.Path));
            await probe.WaitForCountAsync(samples.Count, Wait);
            for (int i = 0; i < samples.Count; i++)
            {
                byte[] received = probe.Messages[i].Payload;
                Assert.That(Encoding.UTF8.GetString(received), Does.Not.Contain("\"email\""), $"event {i + 1}");
                using var doc = JsonDocument.Parse(received);
                // Every member left is byte-identical to Gerrit's: the line is Gerrit's with the
                // email members (and one comma each) cut out, which only deletes bytes.
                Assert.That(IsSubsequence(received, samples[i]), Is.True, $"event {i + 1} has bytes Gerrit did not send");
            }
            int withEmail = samples.Count(l => Encoding.UTF8.GetString(l).Contains("\"email\""));
            Assert.That(await StopAsync(bridge), Has.Some.Contains($"redacted={withEmail}"));
        }
    }

    [Test]
    public async Task Excluded_refs_drop_exactly_those_ref_updates()
    {
        string topic = RunningBridge.UniqueTopic();
        var (probe, bridge) = await StartAsync(topic, f => f["exclude_refs"] = "refs/meta/*");
        await using (probe)
        await using (bridge)
        {
            Gerrit.Emit(
                """{"type":"ref-updated","refUpdate":{"project":"p","refName":"refs/meta/config"},"seq":1}""",
                """{"type":"ref-updated","refUpdate":{"project":"p","refName":"refs/heads/master"},"seq":2}""",
                """{"type":"ref-updated","refUpdate":{"project":"p","refName":"refs/meta/external-ids"},"seq":3}""",
                """{"type":"ref-updated","refUpdate":{"project":"p","refName":"refs/heads/meta"},"seq":4}""",
                """{"type":"comment-added","project":"p","refName":"refs/meta/config","seq":5}""");
            await probe.WaitForCountAsync(3, Wait);
            Assert.That(await StopAsync(bridge), Has.Some.Contains("filtered=2"));
            Assert.That(probe.Messages.Select(Outage.Sequence), Is.EqualTo(new[] { 2, 4, 5 }));
        }
    }

    [Test]
    public async Task An_administrator_account_is_warned_about_at_start()
    {
        Gerrit.GrantAdministrator(true);
        try
        {
            var (probe, bridge) = await StartAsync(RunningBridge.UniqueTopic());
            await using (probe)
            await using (bridge)
                await bridge.WaitForOutputAsync(l => l.Contains("has administrator-level rights (`gerrit show-connections` works)"), Wait);
        }
        finally
        {
            Gerrit.GrantAdministrator(false);
        }
        var (quietProbe, quiet) = await StartAsync(RunningBridge.UniqueTopic());
        await using (quietProbe)
        await using (quiet)
        {
            await Eventually.UntilAsync(() => Gerrit.Commands().Count(c => c == "gerrit show-connections") >= 2, Wait, "the privilege check");
            Assert.That(await StopAsync(quiet), Has.None.Contains("administrator-level"));
        }
    }

    /// <summary>True when <paramref name="part"/> is <paramref name="whole"/> with some bytes deleted.</summary>
    private static bool IsSubsequence(byte[] part, byte[] whole)
    {
        int j = 0;
        foreach (byte b in whole)
            if (j < part.Length && part[j] == b) j++;
        return j == part.Length;
    }
}
