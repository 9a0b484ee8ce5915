using Germqtt.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Germqtt.Tests.Daemon;

/// <summary>
/// Gaps in Gerrit's stream, against the real sshd test Gerrit with its events-log endpoint and the
/// real Mosquitto: what germqtt missed is caught up, once, in Gerrit's order; what it cannot catch
/// up is announced on the gap topic.
/// </summary>
public class CatchUpTests : DaemonTestBase
{
    [SetUp]
    public void RealisticLog() => CatchUpScenario.UseRealisticLog(Gerrit);

    [TearDown]
    public async Task Quiet()
    {
        await Gerrit.StopProducerAsync();
        Gerrit.EventsLog.ResetSettings();
    }

    [Test]
    public async Task Through_killed_sessions_and_a_restart_every_event_arrives_once_in_Gerrits_order()
    {
        string topic = RunningBridge.UniqueTopic();
        await using var probe = await MqttProbe.StartAsync(Broker, $"{topic}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var gaps = await MqttProbe.StartAsync(Broker, CatchUpScenario.GapTopic(topic), MqttQualityOfServiceLevel.AtLeastOnce);
        string config = CatchUpScenario.Config(Gerrit, Broker, topic);
        int before = (await Gerrit.EventsLog.EmittedEventsAsync()).Count;
        var bridge = await RunningBridge.StartAsync(Gerrit, config);
        try
        {
            await Gerrit.StartProducerAsync(10);
            for (int kill = 0; kill < 3; kill++)
            {
                await probe.WaitForCountAsync(probe.Messages.Count + 15, Wait);
                var sessions = Gerrit.LiveStreamSessions().ToHashSet();
                Gerrit.KillSessions();
                await RunningBridge.WaitForNewSessionAsync(Gerrit, sessions, bridge);
            }
            await probe.WaitForCountAsync(probe.Messages.Count + 15, Wait);
            bridge.Signal(Signals.SIGTERM);
            Assert.That(await bridge.WaitForExitAsync(Wait), Is.Zero, bridge.Transcript());
            await probe.WaitForCountAsync(probe.Messages.Count + 0, Wait);
            await bridge.DisposeAsync();
            // Events go on while germqtt is down.
            await Gerrit.WaitForFeedGrowthAsync(20, Wait);
            bridge = await RunningBridge.StartAsync(Gerrit, config);
            await probe.WaitForCountAsync(probe.Messages.Count + 30, Wait);
            await Gerrit.StopProducerAsync();

            var emitted = (await Gerrit.EventsLog.EmittedEventsAsync()).Skip(before).ToList();
            await Eventually.UntilAsync(() => CatchUpScenario.Indexes(emitted, probe.Messages).Count(i => i >= 0) >= emitted.Count, Wait,
                "every emitted event at the subscriber", () => CatchUpScenario.Describe(emitted, CatchUpScenario.Indexes(emitted, probe.Messages)) + "\n" + bridge.Transcript());
            var indexes = CatchUpScenario.Indexes(emitted, probe.Messages);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(indexes, Is.EqualTo(Enumerable.Range(0, emitted.Count)), CatchUpScenario.Describe(emitted, indexes));
                Assert.That(gaps.Messages.Select(CatchUpScenario.ReadNotice).Select(n => n.Complete).ToList(), Has.Count.EqualTo(4).And.All.True,
                    string.Join("\n", gaps.Messages));
            }
        }
        finally
        {
            await bridge.DisposeAsync();
        }
    }
}
