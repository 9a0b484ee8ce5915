using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Germqtt.Tests.Completeness;

/// <summary>
/// An event read from the stream and the same event read back from the events-log are known to be
/// one, and two different events are never taken for one, whatever the serialiser did to them.
/// </summary>
public class EventIdentityTests
{
    private static List<byte[]> Stamped() => [.. SampleEvents.Lines().Where(l => CreatedOn(l) is not null)];

    [Test]
    public void Every_sample_with_eventCreatedOn_is_stamped_with_its_creation_time()
    {
        var samples = SampleEvents.Lines();
        Assert.That(samples, Has.Count.EqualTo(102));
        using (Assert.EnterMultipleScope())
        {
            for (int i = 0; i < samples.Count; i++)
                Assert.That(EventIdentity.Of(samples[i])?.CreatedOn, Is.EqualTo(CreatedOn(samples[i])), $"sample {i + 1}");
        }
        Assert.That(Stamped(), Is.Not.Empty);
    }

    [Test]
    public void No_two_samples_are_taken_for_the_same_event()
    {
        var identities = Stamped().Select(l => EventIdentity.Of(l)!.Value.Identity).ToList();
        Assert.That(identities, Is.Unique);
        Assert.That(identities, Has.All.Match("^[0-9a-f]{32}$"));
    }

    [Test]
    public void Each_sample_as_the_events_log_stores_it_is_recognised_as_the_same_event()
    {
        using (Assert.EnterMultipleScope())
        {
            foreach (var line in Stamped())
            {
                byte[] stored = AsTheEventsLogStoresIt(line);
                Assert.That(EventIdentity.Of(stored), Is.EqualTo(EventIdentity.Of(line)), Encoding.UTF8.GetString(stored));
            }
        }
    }

    [Test]
    public void The_events_log_serialisation_really_differs_from_the_stream_bytes()
    {
        // Otherwise the test above would prove nothing about order and escaping.
        var stamped = Stamped();
        Assert.That(stamped.Count(l => !AsTheEventsLogStoresIt(l).SequenceEqual(l)), Is.EqualTo(stamped.Count));
        Assert.That(stamped.Any(l => Encoding.UTF8.GetString(AsTheEventsLogStoresIt(l)).Contains("\\u003d", StringComparison.Ordinal)), Is.True);
    }

    [Test]
    public void Member_order_and_whitespace_do_not_change_the_identity()
    {
        var a = """{"type":"comment-added","eventCreatedOn":100,"comment":"hi","change":{"project":"p","number":1}}"""u8.ToArray();
        var b = """ { "change" : { "number" : 1 , "project" : "p" } ,"comment" : "h\u0069",  "eventCreatedOn":1e2, "type":"comment-added"}"""u8.ToArray();
        Assert.That(EventIdentity.Of(b), Is.EqualTo(EventIdentity.Of(a)));
    }

    [Test]
    public void A_member_that_is_null_is_the_same_as_one_left_out() =>
        Assert.That(EventIdentity.Of("""{"type":"t","eventCreatedOn":5,"topic":null}"""u8.ToArray()),
            Is.EqualTo(EventIdentity.Of("""{"type":"t","eventCreatedOn":5}"""u8.ToArray())));

    [TestCase("comment-added", "comment", "Patch Set 3: Code-Review+1", TestName = "A_different_comment_is_a_different_event")]
    [TestCase("comment-added", "patchSet.number", 99, TestName = "A_different_patch_set_is_a_different_event")]
    [TestCase("comment-added", "patchSet.revision", "0000000000000000000000000000000000000000", TestName = "A_different_revision_is_a_different_event")]
    [TestCase("comment-added", "eventCreatedOn", 1, TestName = "A_different_creation_time_is_a_different_event")]
    [TestCase("comment-added", "author.username", "someone-else", TestName = "A_different_author_is_a_different_event")]
    [TestCase("comment-added", "change.number", 1, TestName = "A_different_change_is_a_different_event")]
    [TestCase("ref-updated", "refUpdate.newRev", "1111111111111111111111111111111111111111", TestName = "A_different_new_revision_of_a_ref_is_a_different_event")]
    [TestCase("ref-updated", "refUpdate.refName", "refs/heads/other", TestName = "A_different_ref_is_a_different_event")]
    public void A_changed_member_gives_another_identity(string type, string member, object value)
    {
        byte[] line = FirstSample(type, member);
        byte[] changed = With(line, member, JsonValue.Create(value)!);
        Assert.That(EventIdentity.Of(changed)!.Value.Identity, Is.Not.EqualTo(EventIdentity.Of(line)!.Value.Identity));
    }

    [TestCase("change.status", "MERGED")]
    [TestCase("change.lastUpdated", 1)]
    [TestCase("change.commitMessage", "reworded")]
    [TestCase("change.subject", "reworded")]
    [TestCase("change.url", "https://elsewhere/1")]
    [TestCase("patchSet.sizeInsertions", 12345)]
    [TestCase("patchSet.kind", "TRIVIAL_REBASE")]
    public void A_later_snapshot_of_the_change_is_still_the_same_event(string member, object value)
    {
        byte[] line = FirstSample("comment-added", "change.number");
        byte[] later = With(line, member, JsonValue.Create(value)!);
        Assert.That(EventIdentity.Of(later), Is.EqualTo(EventIdentity.Of(line)));
    }

    [TestCase("", TestName = "An_empty_line_has_no_stamp")]
    [TestCase("not json", TestName = "A_line_that_is_not_JSON_has_no_stamp")]
    [TestCase("""{"type":"t","eventCreatedOn":5""", TestName = "A_cut_line_has_no_stamp")]
    [TestCase("""[{"type":"t","eventCreatedOn":5}]""", TestName = "A_JSON_array_has_no_stamp")]
    [TestCase("""{"type":"t"}""", TestName = "An_event_without_eventCreatedOn_has_no_stamp")]
    [TestCase("""{"type":"t","eventCreatedOn":"5"}""", TestName = "An_event_whose_eventCreatedOn_is_a_string_has_no_stamp")]
    [TestCase("""{"type":"t","eventCreatedOn":null}""", TestName = "An_event_whose_eventCreatedOn_is_null_has_no_stamp")]
    [TestCase("""{"type":"t","eventCreatedOn":1e300}""", TestName = "An_event_whose_eventCreatedOn_is_no_time_at_all_has_no_stamp")]
    public void Lines_without_a_usable_creation_time_have_no_stamp(string line) =>
        Assert.That(EventIdentity.Of(Encoding.UTF8.GetBytes(line)), Is.Null);

    [Test]
    public void A_fractional_eventCreatedOn_is_stamped_with_its_whole_second() =>
        Assert.That(EventIdentity.Of("""{"type":"t","eventCreatedOn":1592081929.7}"""u8.ToArray())?.CreatedOn, Is.EqualTo(1592081929));

    [Test]
    public void An_event_with_invalid_UTF8_has_no_stamp_instead_of_ending_the_session()
    {
        // The stream reader keeps such events (see GerritEventTests); stamping one used to throw out of the reader.
        byte[] line = [.. "{\"type\":\"t\",\"eventCreatedOn\":5,\"project\":\""u8, 0xff, 0xfe, .. "\"}"u8];
        Assert.That(EventIdentity.Of(line), Is.Null);
    }

    private static long? CreatedOn(byte[] line)
    {
        using var document = JsonDocument.Parse(line);
        return document.RootElement.TryGetProperty("eventCreatedOn", out var created) && created.ValueKind == JsonValueKind.Number
            ? created.GetInt64()
            : null;
    }

    private static byte[] FirstSample(string type, string member) =>
        Stamped().First(l => Encoding.UTF8.GetString(l).Contains($"\"type\":\"{type}\"", StringComparison.Ordinal) && Find(JsonNode.Parse(l)!, member) is not null);

    private static JsonNode? Find(JsonNode node, string path) =>
        path.Split('.').Aggregate((JsonNode?)node, (n, name) => n is JsonObject o && o.TryGetPropertyValue(name, out var v) ? v : null);

    /// <summary>The line with <paramref name="path"/> (dotted, its parent must exist) set to <paramref name="value"/>.</summary>
    private static byte[] With(byte[] line, string path, JsonNode value)
    {
        var root = JsonNode.Parse(line)!;
        int dot = path.LastIndexOf('.');
        var parent = dot < 0 ? root : Find(root, path[..dot])!;
        parent[path[(dot + 1)..]] = value;
        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    /// <summary>
    /// What the events-log plugin stores (after scripts/test_gerrit_events_log_store.py): type and
    /// eventCreatedOn first, no spaces, ASCII only with \uXXXX escapes, and Gson's HTML-safe escapes.
    /// </summary>
    private static byte[] AsTheEventsLogStoresIt(byte[] line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        var text = new StringBuilder("{\"type\":");
        Write(text, root.GetProperty("type"));
        text.Append(",\"eventCreatedOn\":");
        Write(text, root.GetProperty("eventCreatedOn"));
        foreach (var property in root.EnumerateObject().Where(p => p.Name is not ("type" or "eventCreatedOn")))
        {
            text.Append(',');
            Member(text, property);
        }
        return Encoding.ASCII.GetBytes(text.Append('}').ToString());
    }

    private static void Member(StringBuilder text, JsonProperty property)
    {
        String(text, property.Name);
        text.Append(':');
        Write(text, property.Value);
    }

    private static void Write(StringBuilder text, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                text.Append('{').AppendJoin(',', value.EnumerateObject().Select(p => Spelled(t => Member(t, p)))).Append('}');
                break;
            case JsonValueKind.Array:
                text.Append('[').AppendJoin(',', value.EnumerateArray().Select(v => Spelled(t => Write(t, v)))).Append(']');
                break;
            case JsonValueKind.String:
                String(text, value.GetString()!);
                break;
            default:
                text.Append(value.GetRawText());
                break;
        }
    }

    private static string Spelled(Action<StringBuilder> write)
    {
        var text = new StringBuilder();
        write(text);
        return text.ToString();
    }

    private static void String(StringBuilder text, string value)
    {
        text.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                case '<' or '>' or '&' or '=' or '\'':
                case < ' ' or > '~':
                    text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default: text.Append(c); break;
            }
        }
        text.Append('"');
    }
}
