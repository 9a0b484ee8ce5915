using System.Text;

namespace Germqtt.Tests.Events;

public class GerritEventTests
{
    [TestCase("", "empty line")]
    [TestCase("   ", "not valid JSON")]
    [TestCase("not json at all", "not valid JSON")]
    [TestCase("[1,2,3]", "not a JSON object")]
    [TestCase("\"comment-added\"", "not a JSON object")]
    [TestCase("42", "not a JSON object")]
    [TestCase("null", "not a JSON object")]
    [TestCase("{}", "no string \"type\"")]
    [TestCase("""{"type":42}""", "no string \"type\"")]
    [TestCase("""{"type":null,"project":"p"}""", "no string \"type\"")]
    [TestCase("""{"type":""}""", "no string \"type\"")]
    [TestCase("""{"type":{"name":"x"}}""", "no string \"type\"")]
    [TestCase("{\"type\":\"comment-added\",\"project\":\"p", "not valid JSON")]
    [TestCase("""{"type":"comment-added"} trailing""", "not valid JSON")]
    [TestCase("""{"type":"a"}{"type":"b"}""", "not valid JSON")]
    [TestCase("""{"type":"a",}""", "not valid JSON")]
    [TestCase("""{'type':'a'}""", "not valid JSON")]
    [TestCase("""{"type":"a","x":[1,2}""", "not valid JSON")]
    public void A_line_that_is_not_an_event_is_rejected_with_a_reason(string line, string reason)
    {
        Assert.That(GerritEvent.TryParse(Encoding.UTF8.GetBytes(line), out var e, out var problem), Is.False);
        Assert.That(e, Is.Null);
        Assert.That(problem, Does.StartWith(reason));
    }

    [Test]
    public void Invalid_UTF8_in_a_project_name_is_kept_byte_for_byte_not_rejected()
    {
        byte[] line = [.. "{\"type\":\"t\",\"project\":\""u8, 0xff, 0xfe, .. "\"}"u8];
        Assert.That(GerritEvent.TryParse(line, out var gerritEvent, out var problem), Is.True, problem);
        Assert.That(gerritEvent!.Line, Is.SameAs(line));
        Assert.That(TopicMapper.Escape(gerritEvent.Project!), Is.EqualTo("%FF%FE"));
    }

    [Test]
    public void Deep_nesting_is_rejected_not_a_crash()
    {
        string deep = """{"type":"t","x":""" + new string('[', 10_000) + new string(']', 10_000) + "}";
        Assert.That(GerritEvent.TryParse(Encoding.UTF8.GetBytes(deep), out _, out var problem), Is.False);
        Assert.That(problem, Does.StartWith("not valid JSON"));
    }

    [Test]
    public void The_event_keeps_the_exact_bytes_it_was_read_from()
    {
        byte[] line = Encoding.UTF8.GetBytes("""{ "type" : "comment-added", "comment":"it\u0027s \u003e fine", "project":"p" }""");
        Assert.That(GerritEvent.TryParse(line, out var e, out _), Is.True);
        Assert.That(e!.Line, Is.SameAs(line));
        Assert.That(e.Type, Is.EqualTo("comment-added"));
        Assert.That(e.Project, Is.EqualTo("p"));
    }

    [Test]
    public void Escaped_names_and_values_are_decoded_for_routing() =>
        Assert.That(GerritEvent.TryParse("""{"\u0074ype":"a\/b","project":"caf\u00e9"}"""u8.ToArray(), out var e, out _) ? (e!.Type, e.Project) : default,
            Is.EqualTo(("a/b", "café")));

    [Test]
    public void Members_after_large_nested_values_are_still_found()
    {
        string big = string.Join(",", Enumerable.Range(0, 2000).Select(i => $$"""{"n":{{i}},"s":"{{new string('x', 20)}}"}"""));
        string line = $$"""{"patchSet":{"approvals":[{{big}}]},"change":{"owner":{"project":"wrong"},"project":"right"},"type":"t"}""";
        Assert.That(GerritEvent.TryParse(Encoding.UTF8.GetBytes(line), out var e, out _), Is.True);
        Assert.That(e!.Project, Is.EqualTo("right"));
    }

    [Test]
    public void A_trailing_carriage_return_is_tolerated_and_kept()
    {
        byte[] line = "{\"type\":\"t\"}\r"u8.ToArray();
        Assert.That(GerritEvent.TryParse(line, out var e, out _), Is.True);
        Assert.That(e!.Line, Is.EqualTo(line));
    }
}
