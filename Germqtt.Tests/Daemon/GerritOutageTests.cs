using Germqtt.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Germqtt.Tests.Daemon;

/// <summary>Gerrit drops the session, freezes, refuses, or rejects the key: germqtt comes back, without a tight loop or a leak.</summary>
public class GerritOutageTests : DaemonTestBase
{
    [TearDown]
    public void GerritIsHealthy()
    {
        Gerrit.ThawSessions();
        Gerrit.Accept();
    }

    private string Config(string topic, Action<Dictionary<string, Dictionary<string, string>>>? tweak = null) =>
        IniFile.ForBridge(Gerrit, Broker, topic, qos: 1, s =>
        {
            Outage.FastRetries(s);
            tweak?.Invoke(s);
        });

    [Test]
    public async Task Killed_sessions_are_reconnected_and_after_ten_kills_exactly_one_session_is_left()
    {
        string topic = RunningBridge.UniqueTopic();
        await using var probe = await MqttProbe.StartAsync(Broker, $"{topic}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var bridge = await RunningBridge.StartAsync(Gerrit, Config(topic));

        for (int kill = 0; kill < 10; kill++)
        {
            var before = Gerrit.LiveStreamSessions().ToHashSet();
            Gerrit.KillSessions();
            await RunningBridge.WaitForNewSessionAsync(Gerrit, before, bridge);
            Gerrit.Emit(Outage.Event("p", kill));
            await probe.WaitForCountAsync(kill + 1, Wait);
        }

        Assert.That(probe.Messages.Select(Outage.Sequence), Is.EqualTo(Enumerable.Range(0, 10)));
        await Eventually.UntilAsync(() => Gerrit.LiveStreamSessions().Count == 1 && Gerrit.SshdConnectionCount() == 1, Wait,
            "exactly one SSH connection and one stream session", Gerrit.Describe);
        Assert.That(bridge.StdErr.Count(l => l.Contains("gerrit 127.0.0.1") && l.Contains("reconnect attempt")), Is.EqualTo(10));
        Assert.That(bridge.StdErr.Where(l => l.Contains("mqtt 127.0.0.1") && l.Contains("reconnect")), Is.Empty,
            "a Gerrit failure must not restart the broker side");
    }

    [Test]
    public async Task A_frozen_Gerrit_is_noticed_within_the_liveness_interval_and_reconnected()
    {
        string topic = RunningBridge.UniqueTopic();
        await using var probe = await MqttProbe.StartAsync(Broker, $"{topic}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var bridge = await RunningBridge.StartAsync(Gerrit, Config(topic, s =>
        {
            s["gerrit"]["liveness_interval"] = "1";
            s["gerrit"]["connect_timeout"] = "1";
        }));

        var before = Gerrit.LiveStreamSessions().ToHashSet();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Gerrit.FreezeSessions();
        await RunningBridge.WaitForNewSessionAsync(Gerrit, before, bridge);
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)), "1 s of silence + 1 s probe timeout + backoff, not the 60 s default");
        await bridge.WaitForOutputAsync(l => l.Contains("and no answer to `gerrit version` within 1s"), Wait);

        Gerrit.Emit(Outage.Event("p", 1));
        await probe.WaitForCountAsync(1, Wait);
    }

    [Test]
    public async Task A_quiet_but_healthy_Gerrit_is_probed_and_kept()
    {
        string topic = RunningBridge.UniqueTopic();
        await using var bridge = await RunningBridge.StartAsync(Gerrit,
            Config(topic, s => s["gerrit"]["liveness_interval"] = "0.3"), "--log-level", "debug");
        int probes = Gerrit.Commands().Count(c => c == "gerrit version");
        await Eventually.UntilAsync(() => Gerrit.Commands().Count(c => c == "gerrit version") >= probes + 3, Wait, "three liveness probes");
        Assert.That(bridge.StdErr, Has.None.Contains("reconnect attempt"), bridge.Transcript);
    }

    [Test]
    public async Task A_refusing_Gerrit_is_retried_with_growing_delays_not_a_tight_loop_and_then_streams()
    {
        string topic = RunningBridge.UniqueTopic();
        await using var probe = await MqttProbe.StartAsync(Broker, $"{topic}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        Gerrit.Refuse();
        await using var bridge = GermqttProcess.Start("--config", Config(topic, s =>
        {
            s["gerrit"]["retry_initial"] = "0.1";
            s["gerrit"]["retry_max"] = "0.8";
        }));
        await bridge.WaitForOutputAsync(l => l.Contains("gerrit 127.0.0.1") && l.Contains("reconnect attempt 5"), Wait);

        var retries = Outage.Retries(bridge.StdErr, "gerrit");
        using (Assert.EnterMultipleScope())
        {
            for (int i = 0; i < retries.Count; i++)
            {
                Assert.That(retries[i].DelaySeconds, Is.InRange(0.01 - 0.001, Math.Min(0.8, 0.1 * Math.Pow(2, i)) + 0.001), $"delay {i + 1}");
                if (i > 0)
                    Assert.That(retries[i].At - retries[i - 1].At, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(retries[i - 1].DelaySeconds - Outage.TimerSlack)),
                        $"attempt {i + 1} did not wait its delay");
            }
        }
        Assert.That(bridge.StdErr.Where(l => l.Contains("reconnect attempt")), Has.All.Contains(TestGerrit.DefaultRefusal));

        var before = Gerrit.LiveStreamSessions().ToHashSet();
        Gerrit.Accept();
        await RunningBridge.WaitForNewSessionAsync(Gerrit, before, bridge);
        Gerrit.Emit(Outage.Event("p", 7));
        await probe.WaitForCountAsync(1, Wait);
    }

    [Test]
    public async Task A_key_Gerrit_does_not_accept_is_reported_and_retried_with_backoff()
    {
        string otherKey = Path.Combine(Gerrit.Dir, $"other-{Guid.NewGuid():N}");
        TestKeys.Generate(otherKey);
        await using var bridge = GermqttProcess.Start("--config", Config(RunningBridge.UniqueTopic(), s => s["gerrit"]["key"] = otherKey));
        await bridge.WaitForOutputAsync(l => l.Contains("reconnect attempt 3"), Wait);
        var failures = bridge.StdErr.Where(l => l.Contains("reconnect attempt")).ToList();
        Assert.That(failures, Has.All.Contains("error: gerrit 127.0.0.1").And.All.Contains("authentication failed: Permission denied (publickey)"));
    }

    [Test]
    public async Task Dropped_output_is_published_like_any_event_and_logged_as_a_warning()
    {
        string topic = RunningBridge.UniqueTopic();
        await using var probe = await MqttProbe.StartAsync(Broker, $"{topic}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var bridge = await RunningBridge.StartAsync(Gerrit, Config(topic));
        Gerrit.Emit("""{"type":"dropped-output"}""");
        await probe.WaitForCountAsync(1, Wait);
        Assert.That(probe.Messages.Single().Topic, Is.EqualTo($"{topic}//dropped-output"));
        await bridge.WaitForOutputAsync(l => l.Contains("warning: gerrit reports dropped-output"), Wait);
        bridge.Signal(Signals.SIGTERM);
        await bridge.WaitForExitAsync(Wait);
        Assert.That(bridge.StdErr, Has.Some.Contains("read=1 published=1 malformed=0 dropped_output=1"));
    }

    [Test]
    public async Task Counters_are_logged_every_stats_interval()
    {
        string topic = RunningBridge.UniqueTopic();
        await using var probe = await MqttProbe.StartAsync(Broker, $"{topic}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var bridge = await RunningBridge.StartAsync(Gerrit, Config(topic, s => s["default"]["stats_interval"] = "0.2"));
        Gerrit.Emit(Outage.Event("p", 1), "not json");
        await probe.WaitForCountAsync(1, Wait);
        await bridge.WaitForOutputAsync(l => l.Contains("info: stats: read=2 published=1 malformed=1 dropped_output=0 overflowed=0 buffered=0"), Wait);
    }
}
