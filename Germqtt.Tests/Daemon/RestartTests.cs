using Germqtt.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Germqtt.Tests.Daemon;

/// <summary>What a state file carries across a stop: undelivered events in the spool, and where to catch up from after a crash.</summary>
public class RestartTests : DaemonTestBase
{
    [TearDown]
    public async Task Healthy()
    {
        await Gerrit.StopProducerAsync();
        if (!Broker.IsRunning) await Broker.RestartAsync();
    }

    private string Config(string topic) => CatchUpScenario.Config(Gerrit, Broker, topic, tweak: s =>
    {
        s["default"]["drain_timeout"] = "0.5";
        s["filter"] = new() { ["include_projects"] = $"{topic}-*" };
    });

    [Test]
    public async Task Events_left_undelivered_by_a_stop_with_the_broker_down_arrive_first_at_the_next_start()
    {
        string topic = RunningBridge.UniqueTopic();
        string config = Config(topic);
        await using var probe = await MqttProbe.StartAsync(Broker, $"{topic}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        var bridge = await RunningBridge.StartAsync(Gerrit, config, "--log-level", "debug");
        string[] Made(string what, int count) =>
            Enumerable.Range(0, count).Select(i => CatchUpScenario.Event($"{topic}-{what}", i, CatchUpScenario.Now())).ToArray();
        try
        {
            var delivered = Made("delivered", 3);
            Gerrit.Emit(delivered);
            await probe.WaitForCountAsync(3, Wait);
            // Acknowledged to germqtt, not only delivered to the subscriber: nothing of these is left to spool.
            await Eventually.UntilAsync(() => bridge.StdErr.Count(l => l.Contains($"published {topic}/{topic}-delivered")) == 3, Wait,
                "the broker's acknowledgements", bridge.Transcript);

            await Broker.StopAsync();
            var spooled = Made("spooled", 10);
            Gerrit.Emit(spooled);
            await Eventually.UntilAsync(() => bridge.StdErr.Count(l => l.Contains($"-> {topic}/{topic}-spooled")) == 10, Wait,
                "germqtt to read the events", bridge.Transcript);
            bridge.Signal(Signals.SIGTERM);
            Assert.That(await bridge.WaitForExitAsync(Wait), Is.Zero, bridge.Transcript());
            Assert.That(bridge.StdErr, Has.Some.Contains("spooled 10 undelivered events"), bridge.Transcript());
            await bridge.DisposeAsync();

            await Broker.RestartAsync();
            await probe.ReconnectUntilAsync(Wait);
            bridge = await RunningBridge.StartAsync(Gerrit, config);
            await probe.WaitForCountAsync(13, Wait);
            var live = Made("live", 2);
            Gerrit.Emit(live);
            await probe.WaitForCountAsync(15, Wait);

            using (Assert.EnterMultipleScope())
            {
                Assert.That(probe.Messages.Select(m => m.Text), Is.EqualTo(delivered.Concat(spooled).Concat(live)), bridge.Transcript());
                Assert.That(File.Exists(CatchUpScenario.StatePath(Gerrit, topic) + ".spool"), Is.False, "delivered, the spool is gone");
            }
        }
        finally
        {
            await bridge.DisposeAsync();
        }
    }

    [Test]
    public async Task After_kill_9_nothing_is_lost_and_only_the_last_seconds_events_may_come_twice()
    {
        string topic = RunningBridge.UniqueTopic();
        string config = CatchUpScenario.Config(Gerrit, Broker, topic);
        await using var probe = await MqttProbe.StartAsync(Broker, $"{topic}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        int before = (await Gerrit.EventsLog.EmittedEventsAsync()).Count;
        var bridge = await RunningBridge.StartAsync(Gerrit, config);
        try
        {
            await Gerrit.StartProducerAsync(10);
            await probe.WaitForCountAsync(25, Wait);
            bridge.Signal(Signals.SIGKILL);
            long killedAt = CatchUpScenario.Now();
            await bridge.WaitForExitAsync(Wait);
            await bridge.DisposeAsync();
            await Gerrit.WaitForFeedGrowthAsync(10, Wait);
            bridge = await RunningBridge.StartAsync(Gerrit, config);
            await probe.WaitForCountAsync(probe.Messages.Count + 20, Wait);
            await Gerrit.StopProducerAsync();

            var emitted = (await Gerrit.EventsLog.EmittedEventsAsync()).Skip(before).ToList();
            await Eventually.UntilAsync(() => CatchUpScenario.Indexes(emitted, probe.Messages).Where(i => i >= 0).Distinct().Count() == emitted.Count, Wait,
                "every emitted event at the subscriber", () => CatchUpScenario.Describe(emitted, CatchUpScenario.Indexes(emitted, probe.Messages)));
            var twice = CatchUpScenario.Indexes(emitted, probe.Messages).GroupBy(i => i).Where(g => g.Count() > 1).Select(g => emitted[g.Key].CreatedOn).ToList();
            Assert.That(twice, Has.All.GreaterThanOrEqualTo(killedAt - 2),
                "only events of about the last second before the kill may be published again: " + string.Join(",", twice));
        }
        finally
        {
            await bridge.DisposeAsync();
        }
    }
}
