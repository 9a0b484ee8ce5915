using System.Text;

namespace Germqtt.Tests.Events;

/// <summary>What happens to each line Gerrit sends, without any daemon: counted, routed, filtered or skipped.</summary>
public class EventPipelineTests
{
    private readonly StringWriter _log = new();
    private Counters _counters = null!;
    private EventBuffer _buffer = null!;

    private EventPipeline Pipeline(Action<Dictionary<string, string?>>? ini = null, int bufferSize = 100)
    {
        var keys = new Dictionary<string, string?> { ["gerrit:hostname"] = "g", ["gerrit:username"] = "u", ["gerrit:key"] = "/k", ["mqtt:hostname"] = "m" };
        ini?.Invoke(keys);
        var (options, errors) = OptionsLoader.Parse(keys, "/home", "/work");
        Assert.That(errors, Is.Empty);
        var log = new Log(LogLevel.Debug, _log, journal: false, () => default);
        _counters = new Counters();
        _buffer = new EventBuffer(bufferSize, log, _counters);
        return new EventPipeline(options!, log, _counters, new EventRouter(options!, log, _counters, _buffer));
    }

    private List<RoutedEvent> Buffered() => _buffer.TakeAll();

    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    [Test]
    public void An_event_is_buffered_on_its_topic_with_the_line_as_payload()
    {
        byte[] line = Bytes("""{"type":"comment-added","project":"openstack/nova"}""");
        Pipeline().OnLine(line);
        var buffered = Buffered().Single();
        Assert.That((buffered.Topic, buffered.Payload), Is.EqualTo(("gerrit/openstack/nova/comment-added", line)));
        Assert.That((_counters.Read, _counters.Malformed), Is.EqualTo((1, 0)));
    }

    [Test]
    public void A_malformed_line_is_counted_and_logged_with_a_preview_not_buffered()
    {
        Pipeline().OnLine(Bytes("""{"project":"p"}"""));
        Assert.That(Buffered(), Is.Empty);
        Assert.That((_counters.Read, _counters.Malformed), Is.EqualTo((1, 1)));
        Assert.That(_log.ToString(), Does.Contain("""skipped a malformed event line (no string "type" member): {"project":"p"}"""));
    }

    [Test]
    public void A_line_over_the_size_limit_is_counted_malformed_with_its_length()
    {
        Pipeline().OnTooLong(40_000_000);
        Assert.That((_counters.Read, _counters.Malformed), Is.EqualTo((1, 1)));
        Assert.That(_log.ToString(), Does.Contain("skipped an event line of 40000000 bytes: longer than [gerrit] max_event_size (33554432 bytes)"));
    }

    [Test]
    public void Dropped_output_is_counted_and_warned_about_and_still_published()
    {
        Pipeline().OnLine(Bytes("""{"type":"dropped-output"}"""));
        Assert.That(Buffered().Single().Topic, Is.EqualTo("gerrit//dropped-output"));
        Assert.That(_counters.DroppedOutput, Is.EqualTo(1));
        Assert.That(_log.ToString(), Does.Contain("warning: gerrit reports dropped-output"));
    }

    [Test]
    public void Events_of_private_changes_and_filtered_projects_are_counted_not_buffered()
    {
        var pipeline = Pipeline(ini => ini["filter:exclude_projects"] = "secret/*");
        pipeline.OnLine(Bytes("""{"type":"t","project":"p","change":{"private":true}}"""));
        pipeline.OnLine(Bytes("""{"type":"t","project":"secret/x"}"""));
        Assert.That(Buffered(), Is.Empty);
        Assert.That((_counters.DroppedPrivate, _counters.Filtered), Is.EqualTo((1, 1)));
    }

    [Test]
    public void Redacted_members_leave_the_payload_and_the_event_is_counted()
    {
        Pipeline(ini => ini["filter:redact_fields"] = "email").OnLine(Bytes("""{"type":"t","project":"p","owner":{"name":"n","email":"a@b"}}"""));
        Assert.That(Encoding.UTF8.GetString(Buffered().Single().Payload), Does.Not.Contain("a@b"));
        Assert.That(_counters.Redacted, Is.EqualTo(1));
    }

    [Test]
    public void An_event_whose_topic_is_longer_than_MQTT_allows_is_counted_malformed()
    {
        Pipeline().OnLine(Bytes($$"""{"type":"t","project":"{{new string('p', 70_000)}}"}"""));
        Assert.That(Buffered(), Is.Empty);
        Assert.That(_counters.Malformed, Is.EqualTo(1));
        Assert.That(_log.ToString(), Does.Contain("skipped a t event: its topic is longer than MQTT allows"));
    }

    [Test]
    public void A_full_buffer_drops_the_oldest_and_counts_it()
    {
        var pipeline = Pipeline(bufferSize: 2);
        for (int i = 0; i < 5; i++) pipeline.OnLine(Bytes($$"""{"type":"t","project":"p","n":{{i}}}"""));
        Assert.That(Buffered().Select(e => Encoding.UTF8.GetString(e.Payload)), Is.EqualTo(new[]
        {
            """{"type":"t","project":"p","n":3}""", """{"type":"t","project":"p","n":4}""",
        }));
        Assert.That(_counters.Overflowed, Is.EqualTo(3));
        Assert.That(_log.ToString().Split('\n').Count(l => l.Contains("buffer full (2 events): dropping the oldest")), Is.EqualTo(1), "logged once per interval");
    }
}
