using System.Text;
using System.Text.Json;
using Germqtt.Tests.Fixtures;

namespace Germqtt.Tests.Events;

public class TopicMapperTests
{
    private static GerritEvent Parse(string json)
    {
        Assert.That(GerritEvent.TryParse(Encoding.UTF8.GetBytes(json), out var e, out var problem), Is.True, problem);
        return e!;
    }

    private static string Topic(string json) => TopicMapper.Map("gerrit", Parse(json));

    [Test]
    public void A_project_with_slashes_becomes_several_levels() =>
        Assert.That(Topic("""{"type":"comment-added","project":"openstack/nova"}"""), Is.EqualTo("gerrit/openstack/nova/comment-added"));

    [Test]
    public void Older_gerrit_events_route_by_change_project() =>
        Assert.That(Topic("""{"type":"change-merged","change":{"project":"infra/zuul","branch":"master"}}"""),
            Is.EqualTo("gerrit/infra/zuul/change-merged"));

    [Test]
    public void Ref_updated_routes_by_refUpdate_project() =>
        Assert.That(Topic("""{"type":"ref-updated","refUpdate":{"oldRev":"0","newRev":"1","refName":"master","project":"p"}}"""),
            Is.EqualTo("gerrit/p/ref-updated"));

    [TestCase("project-created")]
    [TestCase("project-head-updated")]
    [TestCase("batch-ref-updated")]
    public void Project_events_route_by_projectName(string type) =>
        Assert.That(Topic($$"""{"type":"{{type}}","projectName":"a/b"}"""), Is.EqualTo($"gerrit/a/b/{type}"));

    [Test]
    public void A_webhook_style_project_object_routes_by_its_name() =>
        Assert.That(Topic("""{"type":"x","project":{"name":"web/hook","id":"1"}}"""), Is.EqualTo("gerrit/web/hook/x"));

    [Test]
    public void The_top_level_project_wins_over_the_other_fields()
    {
        const string json = """{"projectName":"d","refUpdate":{"project":"c"},"change":{"project":"b"},"project":"a","type":"t"}""";
        Assert.That(Topic(json), Is.EqualTo("gerrit/a/t"));
    }

    [Test]
    public void Change_project_wins_over_refUpdate_and_projectName() =>
        Assert.That(Topic("""{"type":"t","projectName":"d","refUpdate":{"project":"c"},"change":{"project":"b"}}"""), Is.EqualTo("gerrit/b/t"));

    [TestCase("""{"type":"dropped-output"}""", "gerrit//dropped-output")]
    [TestCase("""{"type":"heartbeat"}""", "gerrit//heartbeat")]
    [TestCase("""{"type":"t","project":42,"change":{"owner":{"name":"x"}}}""", "gerrit//t")]
    public void An_event_without_a_project_keeps_an_empty_level(string json, string topic) =>
        Assert.That(Topic(json), Is.EqualTo(topic));

    [Test]
    public void Wildcards_and_NUL_are_escaped_within_a_level() =>
        Assert.That(Topic("""{"type":"a+b","project":"c#d/e\u0000f/100%"}"""), Is.EqualTo("gerrit/c%23d/e%00f/100%/a%2Bb"));

    [TestCase("ctl\\u0001x", "ctl%01x")]
    [TestCase("tab\\there", "tab%09here")]
    [TestCase("del\\u007f", "del%7F")]
    [TestCase("c1\\u0085\\u009f", "c1%C2%85%C2%9F")]
    [TestCase("non\\ufdd0\\ufdef", "non%EF%B7%90%EF%B7%AF")]
    [TestCase("non\\ufffe\\uffff", "non%EF%BF%BE%EF%BF%BF")]
    [TestCase("plane1\\ud83f\\udffe", "plane1%F0%9F%BF%BE")]
    [TestCase("plane16\\udbff\\udfff", "plane16%F4%8F%BF%BF")]
    public void Characters_a_broker_refuses_in_a_topic_are_written_as_their_UTF8_bytes(string jsonProject, string level)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Topic($$"""{"type":"t","project":"{{jsonProject}}"}"""), Is.EqualTo($"gerrit/{level}/t"));
            Assert.That(Topic($$"""{"type":"{{jsonProject}}","project":"p"}"""), Is.EqualTo($"gerrit/p/{level}"));
        }
    }

    [Test]
    public void Bytes_that_are_not_UTF8_are_written_as_themselves_byte_by_byte()
    {
        // Latin-1 turns each of these characters into the single byte of the same value.
        byte[] line = Encoding.Latin1.GetBytes("{\"type\":\"t\u00FF\",\"project\":\"a\u00C3(b/\u00E2\u0082\"}");
        Assert.That(GerritEvent.TryParse(line, out var e, out var problem), Is.True, problem);
        Assert.That(TopicMapper.Map("gerrit", e!), Is.EqualTo("gerrit/a%C3(b/%E2%82/t%FF"));
    }

    [Test]
    public void Escaped_and_invalid_bytes_mix_with_valid_text() =>
        Assert.That(TopicMapper.Map("gerrit", new GerritEvent([], "t", Utf8Text.Decode([0x61, 0xFF, 0xC3, 0xA9, 0x01]))),
            Is.EqualTo("gerrit/a%FFé%01/t"));

    [TestCase("é", "é")]
    [TestCase("\\u00a0nbsp", "\u00a0nbsp")]
    [TestCase("emoji\\ud83d\\ude00", "emoji\U0001F600")]
    [TestCase("\\ufffd", "\ufffd")]
    [TestCase("\\ufdcf\\ufdf0", "\ufdcf\ufdf0")]
    public void Characters_next_to_the_refused_ones_pass_unchanged(string jsonProject, string level) =>
        Assert.That(Topic($$"""{"type":"t","project":"{{jsonProject}}"}"""), Is.EqualTo($"gerrit/{level}/t"));

    [Test]
    public void Unicode_project_names_pass_unchanged() =>
        Assert.That(Topic("""{"type":"t","project":"équipe/日本"}"""), Is.EqualTo("gerrit/équipe/日本/t"));

    [Test]
    public void The_base_topic_may_have_levels_of_its_own() =>
        Assert.That(TopicMapper.Map("firehose/gerrit", Parse("""{"type":"t","project":"p"}""")), Is.EqualTo("firehose/gerrit/p/t"));

    [Test]
    public void Every_sample_event_routes_to_its_project_and_type()
    {
        var lines = SampleEvents.Lines();
        Assert.That(lines, Has.Count.EqualTo(102));
        using (Assert.EnterMultipleScope())
        {
            foreach (var line in lines)
                Assert.That(TopicMapper.Map("gerrit", Parse(Encoding.UTF8.GetString(line))), Is.EqualTo(SampleEvents.ExpectedTopic("gerrit", line)));
        }
    }
}
