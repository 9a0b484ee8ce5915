using System.Text.Json.Nodes;
using Germqtt.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Germqtt.Tests.Daemon;

/// <summary>
/// Gerrit drops events for a connection whose queue overflows and says so with a dropped-output
/// line: against the real sshd test Gerrit and the real Mosquitto, germqtt catches those events up
/// from the events-log, or, without it, announces exactly the stretch they went missing in.
/// </summary>
public class DroppedOutputTests : DaemonTestBase
{
    [OneTimeSetUp]
    public void LossySessions() => Gerrit.MakeSessionsLossy();

    [SetUp]
    public void RealisticLog() => CatchUpScenario.UseRealisticLog(Gerrit);

    [TearDown]
    public async Task Quiet()
    {
        Gerrit.StopDroppingOutput();
        await Gerrit.StopProducerAsync();
        Gerrit.EventsLog.ResetSettings();
    }

    [Test]
    public async Task Events_Gerrit_dropped_arrive_once_in_Gerrits_order_after_the_dropped_output_line()
    {
        string topic = RunningBridge.UniqueTopic();
        var run = await StreamThroughADropAsync(topic, eventsLog: true);

        var indexes = CatchUpScenario.Indexes(run.Emitted, run.Events);
        var notice = CatchUpScenario.ReadNotice(run.Gaps.Single());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(indexes, Is.EqualTo(Enumerable.Range(0, run.Emitted.Count)), CatchUpScenario.Describe(run.Emitted, indexes));
            Assert.That(run.Notices.Select(m => JsonNode.Parse(m.Text)!["type"]!.GetValue<string>()), Is.EqualTo(new[] { "dropped-output" }),
                "the dropped-output line is published as a live event without a project");
            Assert.That(notice.Complete, Is.True, notice.ToString());
            Assert.That(notice.Recovered, Is.GreaterThan(0), notice.ToString());
        }
    }

    [Test]
    public async Task Without_the_events_log_the_gap_notice_covers_the_dropped_events()
    {
        string topic = RunningBridge.UniqueTopic();
        var run = await StreamThroughADropAsync(topic, eventsLog: false);

        var received = CatchUpScenario.Indexes(run.Emitted, run.Events).ToHashSet();
        var missed = Enumerable.Range(0, run.Emitted.Count).Where(i => !received.Contains(i)).ToList();
        var notice = CatchUpScenario.ReadNotice(run.Gaps.Single());
        string why = $"{notice}; {CatchUpScenario.Describe(run.Emitted, [.. received])}";
        Assert.That(missed, Is.Not.Empty, why);
        Assert.That(missed, Is.EqualTo(Enumerable.Range(missed[0], missed.Count)), "one stretch of the feed was dropped: " + why);
        Assert.That(missed[0], Is.GreaterThan(0), why);
        Assert.That(missed[^1], Is.LessThan(run.Emitted.Count - 1), why);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(notice.Complete, Is.False, why);
            Assert.That(notice.Recovered, Is.Zero, why);
            Assert.That(missed.Select(i => run.Emitted[i].CreatedOn), Is.All.InRange(notice.From, notice.To), why);
            // Seconds are all a gap can tell: it starts with the last event before it and ends
            // once the dropped-output line came, before the next event's second was over.
            Assert.That(notice.From, Is.GreaterThanOrEqualTo(run.Emitted[missed[0] - 1].CreatedOn), why);
            Assert.That(notice.To, Is.LessThanOrEqualTo(run.Emitted[missed[^1] + 1].CreatedOn + 1), why);
        }
    }

    private sealed record DropRun(IReadOnlyList<EmittedEvent> Emitted, List<Received> Events, List<Received> Notices, IReadOnlyList<Received> Gaps);

    /// <summary>
    /// Events at 10 a second while germqtt streams them; for about 2 s Gerrit drops them all; then
    /// streaming goes on until the producer stops and every gap notice is in.
    /// </summary>
    private async Task<DropRun> StreamThroughADropAsync(string topic, bool eventsLog)
    {
        await using var probe = await MqttProbe.StartAsync(Broker, $"{topic}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var gaps = await MqttProbe.StartAsync(Broker, CatchUpScenario.GapTopic(topic), MqttQualityOfServiceLevel.AtLeastOnce);
        string config = CatchUpScenario.Config(Gerrit, Broker, topic, eventsLog);
        int before = (await Gerrit.EventsLog.EmittedEventsAsync()).Count;
        await using var bridge = await RunningBridge.StartAsync(Gerrit, config);
        await Gerrit.StartProducerAsync(10);
        await probe.WaitForCountAsync(10, Wait);

        Gerrit.StartDroppingOutput();
        await Gerrit.WaitForFeedGrowthAsync(20, Wait);
        Gerrit.StopDroppingOutput();
        await Gerrit.WaitForFeedGrowthAsync(20, Wait);
        await Gerrit.StopProducerAsync();

        var emitted = (await Gerrit.EventsLog.EmittedEventsAsync()).Skip(before).ToList();
        string droppedTopic = $"{topic}//dropped-output";
        List<Received> Events() => [.. probe.Messages.Where(m => m.Topic != droppedTopic)];
        // Without the log the dropped events never come: the last one made marks the end.
        await Eventually.UntilAsync(
            () => CatchUpScenario.Indexes(emitted, Events()) is var seen && (eventsLog ? seen.Count(i => i >= 0) >= emitted.Count : seen.Contains(emitted.Count - 1)),
            Wait, "the subscriber to get the events",
            () => CatchUpScenario.Describe(emitted, CatchUpScenario.Indexes(emitted, Events())) + "\n" + bridge.Transcript());
        await gaps.WaitForCountAsync(1, Wait);
        return new DropRun(emitted, Events(), [.. probe.Messages.Where(m => m.Topic == droppedTopic)], [.. gaps.Messages]);
    }
}
