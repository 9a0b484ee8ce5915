using Germqtt.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Germqtt.Tests.Daemon;

/// <summary>
/// A start after a run that left off in the past, against an events-log that is down, refuses the
/// password, lies in another time zone, or holds more than catch_up_max: what a subscriber gets.
/// Each test dates its events in a stretch of its own and starts germqtt with a state file.
/// </summary>
public class CatchUpFailureTests : DaemonTestBase
{
    private MqttProbe _events = null!;
    private MqttProbe _gaps = null!;
    private string _topic = "";

    [SetUp]
    public async Task Subscribe()
    {
        Gerrit.EventsLog.ResetSettings();
        Gerrit.EventsLog.SetLag(TimeSpan.Zero);
        _topic = RunningBridge.UniqueTopic();
        _events = await MqttProbe.StartAsync(Broker, $"{_topic}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        _gaps = await MqttProbe.StartAsync(Broker, CatchUpScenario.GapTopic(_topic), MqttQualityOfServiceLevel.AtLeastOnce);
    }

    [TearDown]
    public async Task Unsubscribe()
    {
        Gerrit.EventsLog.ResetSettings();
        await _events.DisposeAsync();
        await _gaps.DisposeAsync();
    }

    /// <summary>The tests share one events-log: each publishes only its own projects.</summary>
    private string Config(Action<Dictionary<string, Dictionary<string, string>>>? tweak = null) =>
        CatchUpScenario.Config(Gerrit, Broker, _topic, tweak: s =>
        {
            s["filter"] = new() { ["include_projects"] = $"{_topic}-*" };
            tweak?.Invoke(s);
        });

    /// <summary>Events made while germqtt was not running: the state file ends before them.</summary>
    private string[] Missed(int count, long firstCreated, string project = "missed")
    {
        CatchUpScenario.WriteState(Gerrit, _topic, firstCreated - 1);
        var lines = Enumerable.Range(0, count).Select(i => CatchUpScenario.Event($"{_topic}-{project}", i, firstCreated + i / 5)).ToArray();
        Gerrit.Emit(lines);
        return lines;
    }

    [Test]
    public async Task An_events_log_answering_503_is_tried_again_and_the_gap_closes_complete_when_it_recovers()
    {
        Gerrit.EventsLog.SetDown(true);
        var missed = Missed(30, CatchUpScenario.Now() - 50);
        await using var bridge = await RunningBridge.StartAsync(Gerrit, Config());

        await Eventually.UntilAsync(() => bridge.StdErr.Count(l => l.Contains("HTTP 503")) >= 2, Wait, "two failed attempts", bridge.Transcript);
        Assert.That(_events.Messages, Is.Empty, "nothing to publish while the log is down");
        Gerrit.EventsLog.SetDown(false);
        await _gaps.WaitForCountAsync(1, Wait);

        var notice = CatchUpScenario.ReadNotice(_gaps.Messages[0]);
        await _events.WaitForCountAsync(30, Wait);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(notice, Is.EqualTo(notice with { Complete = true, Recovered = 30 }), bridge.Transcript());
            Assert.That(_events.Messages.Select(m => m.Text), Is.EqualTo(Logged(missed)), "in Gerrit's order, as the log serialised them");
        }
    }

    [Test]
    public async Task A_backlog_of_many_pages_is_caught_up_whole_and_in_order()
    {
        Gerrit.EventsLog.SetReturnLimit(10);
        var missed = Missed(45, CatchUpScenario.Now() - 30);
        int requests = Requests();
        await using var bridge = await RunningBridge.StartAsync(Gerrit, Config());

        await _gaps.WaitForCountAsync(1, Wait);
        await _events.WaitForCountAsync(45, Wait);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(CatchUpScenario.ReadNotice(_gaps.Messages[0]), Has.Property("Complete").True.And.Property("Recovered").EqualTo(45), bridge.Transcript());
            Assert.That(_events.Messages.Select(m => m.Text), Is.EqualTo(Logged(missed)));
            Assert.That(Requests() - requests, Is.GreaterThanOrEqualTo(5), "45 events come in pages of at most 10");
        }
    }

    [Test]
    public async Task More_events_in_one_second_than_the_log_returns_at_once_are_announced_incomplete()
    {
        Gerrit.EventsLog.SetReturnLimit(10);
        long second = CatchUpScenario.Now() - 10;
        CatchUpScenario.WriteState(Gerrit, _topic, second - 1);
        Gerrit.Emit(Enumerable.Range(0, 25).Select(i => CatchUpScenario.Event($"{_topic}-crowd", i, second)).ToArray());
        await using var bridge = await RunningBridge.StartAsync(Gerrit, Config());

        await _gaps.WaitForCountAsync(1, Wait);
        var notice = CatchUpScenario.ReadNotice(_gaps.Messages[0]);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(notice.Complete, Is.False, bridge.Transcript());
            Assert.That(notice.Reason, Does.Contain($"more events in one second ({second})"));
            Assert.That(notice.Recovered, Is.EqualTo(10), "the first page of that second is all the log gives");
        }
    }

    [Test]
    public async Task A_wrong_HTTP_password_is_logged_once_per_attempt_never_shown_and_the_gap_is_announced_incomplete()
    {
        Missed(5, CatchUpScenario.Now() - 1);
        string wrong = "wrong-" + Guid.NewGuid().ToString("N");
        int refusedBefore = RefusedRequests();
        await using var bridge = await RunningBridge.StartAsync(Gerrit, Config(s =>
        {
            s["gerrit"]["http_password"] = wrong;
            s["gerrit"]["catch_up_max"] = "8";
        }));

        await _gaps.WaitForCountAsync(1, Wait);
        var notice = CatchUpScenario.ReadNotice(_gaps.Messages[0]);
        var refusals = bridge.StdErr.Where(l => l.Contains("HTTP 401")).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(notice.Complete, Is.False, bridge.Transcript());
            Assert.That(notice.Recovered, Is.Zero);
            Assert.That(refusals, Has.Count.GreaterThanOrEqualTo(2).And.Count.EqualTo(RefusedRequests() - refusedBefore), bridge.Transcript());
            Assert.That(refusals, Has.All.Contains("http_username, http_password"));
            Assert.That(bridge.Transcript(), Does.Not.Contain(wrong).And.Not.Contain(Gerrit.HttpPassword));
        }
    }

    [Test]
    public async Task A_stretch_longer_than_catch_up_max_is_caught_up_for_its_last_catch_up_max_and_announced_incomplete()
    {
        long now = CatchUpScenario.Now();
        CatchUpScenario.WriteState(Gerrit, _topic, now - 3600);
        string[] tooOld = Enumerable.Range(0, 5).Select(i => CatchUpScenario.Event($"{_topic}-old", i, now - 3000 + i)).ToArray();
        string[] recent = Enumerable.Range(0, 5).Select(i => CatchUpScenario.Event($"{_topic}-recent", i, now - 100 + i)).ToArray();
        Gerrit.Emit([.. tooOld, .. recent]);
        await using var bridge = await RunningBridge.StartAsync(Gerrit, Config(s => s["gerrit"]["catch_up_max"] = "600"));

        await _gaps.WaitForCountAsync(1, Wait);
        var notice = CatchUpScenario.ReadNotice(_gaps.Messages[0]);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(notice.From, Is.EqualTo(now - 3600));
            Assert.That(notice.Complete, Is.False);
            Assert.That(notice.Recovered, Is.EqualTo(5));
            Assert.That(notice.Reason, Does.Contain("catch_up_max"));
            Assert.That(_events.Messages.Select(m => m.Text), Is.EqualTo(Logged(recent)), bridge.Transcript());
        }
    }

    [Test]
    public async Task An_events_log_in_another_time_zone_is_asked_in_that_zones_local_time()
    {
        Gerrit.EventsLog.SetTimeZone("Asia/Kolkata");
        var missed = Missed(20, CatchUpScenario.Now() - 30);
        // Events on both sides of the window, 5:30 hours away, that a UTC query would return instead.
        Gerrit.Emit(CatchUpScenario.Event($"{_topic}-elsewhere", 0, CatchUpScenario.Now() + 19_800 - 40));
        await using var bridge = await RunningBridge.StartAsync(Gerrit, Config(s => s["gerrit"]["events_log_timezone"] = "Asia/Kolkata"));

        await _gaps.WaitForCountAsync(1, Wait);
        await _events.WaitForCountAsync(20, Wait);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(CatchUpScenario.ReadNotice(_gaps.Messages[0]), Has.Property("Complete").True.And.Property("Recovered").EqualTo(20), bridge.Transcript());
            Assert.That(_events.Messages.Select(m => m.Text), Is.EqualTo(Logged(missed)));
        }
    }

    /// <summary>The lines the events-log answers for <paramref name="lines"/> (its own serialisation).</summary>
    private List<string> Logged(string[] lines)
    {
        var emitted = Gerrit.EventsLog.EmittedEventsAsync().GetAwaiter().GetResult();
        return lines.Select(l => emitted.Single(e => e.Line == l).Logged!).ToList();
    }

    private int Requests() =>
        SharedFile.ReadAllText(Path.Combine(Gerrit.Dir, "events_log.log")).Split('\n').Count(l => l.Contains("GET /a/plugins/events-log/events/"));

    private int RefusedRequests() =>
        SharedFile.ReadAllText(Path.Combine(Gerrit.Dir, "events_log.log")).Split('\n').Count(l => l.Contains("\" 401 "));
}
