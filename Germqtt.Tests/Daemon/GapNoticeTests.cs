using Germqtt.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Germqtt.Tests.Daemon;

/// <summary>Without the events-log nothing can be caught up: each stretch germqtt missed is announced instead.</summary>
public class GapNoticeTests : DaemonTestBase
{
    [TearDown]
    public async Task Quiet() => await Gerrit.StopProducerAsync();

    [Test]
    public async Task Without_http_url_each_missed_stretch_is_announced_with_from_and_to_around_exactly_the_missing_events()
    {
        string topic = RunningBridge.UniqueTopic();
        await using var probe = await MqttProbe.StartAsync(Broker, $"{topic}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var gaps = await MqttProbe.StartAsync(Broker, CatchUpScenario.GapTopic(topic), MqttQualityOfServiceLevel.AtLeastOnce);
        int before = (await Gerrit.EventsLog.EmittedEventsAsync()).Count;
        await using var bridge = await RunningBridge.StartAsync(Gerrit, CatchUpScenario.Config(Gerrit, Broker, topic, eventsLog: false, stateFile: false));

        await Gerrit.StartProducerAsync(10);
        for (int kill = 0; kill < 3; kill++)
        {
            await probe.WaitForCountAsync(probe.Messages.Count + 10, Wait);
            var sessions = Gerrit.LiveStreamSessions().ToHashSet();
            Gerrit.KillSessions();
            // Long enough that events surely fall into the hole.
            await Gerrit.WaitForFeedGrowthAsync(5, Wait);
            await RunningBridge.WaitForNewSessionAsync(Gerrit, sessions, bridge);
        }
        await probe.WaitForCountAsync(probe.Messages.Count + 10, Wait);
        await Gerrit.StopProducerAsync();
        await gaps.WaitForCountAsync(3, Wait);

        var emitted = (await Gerrit.EventsLog.EmittedEventsAsync()).Skip(before).ToList();
        var received = CatchUpScenario.Indexes(emitted, probe.Messages).ToHashSet();
        var missing = Enumerable.Range(0, emitted.Count).Where(i => !received.Contains(i)).Select(i => emitted[i]).ToList();
        var notices = gaps.Messages.Select(CatchUpScenario.ReadNotice).ToList();
        var receivedTimes = received.Select(i => emitted[i].CreatedOn).ToHashSet();
        string detail = string.Join("\n", gaps.Messages) + "\nmissing: " + string.Join(",", missing.Select(m => m.CreatedOn));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(missing, Is.Not.Empty, "the kills must lose events for this test to mean anything");
            Assert.That(notices, Has.Count.EqualTo(3), detail);
            Assert.That(notices, Has.All.Matches<CatchUpScenario.Notice>(n => !n.Complete && n.Recovered == 0 && n.Reason.Contains("SSH session ended")), detail);
            Assert.That(missing, Has.All.Matches<EmittedEvent>(m => notices.Any(n => n.From <= m.CreatedOn && m.CreatedOn <= n.To)),
                "every missed event lies within a notice\n" + detail);
            // The ends are the last event before the hole and the first after it: no wider than the hole.
            Assert.That(notices, Has.All.Matches<CatchUpScenario.Notice>(n => receivedTimes.Contains(n.From) && receivedTimes.Contains(n.To)), detail);
            Assert.That(notices, Has.All.Matches<CatchUpScenario.Notice>(n => missing.Any(m => n.From <= m.CreatedOn && m.CreatedOn <= n.To)), detail);
        }
        Assert.That(bridge.StdErr.Count(l => l.Contains("warning: gap from") && l.Contains("http_url is not set")), Is.EqualTo(3), bridge.Transcript());
    }
}
