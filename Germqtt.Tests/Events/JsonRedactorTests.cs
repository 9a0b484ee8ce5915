using System.Text;
using System.Text.Json;

namespace Germqtt.Tests.Events;

public class JsonRedactorTests
{
    private static string Redact(string json, params string[] names) =>
        Encoding.UTF8.GetString(new JsonRedactor(names).Redact(Encoding.UTF8.GetBytes(json)));

    [TestCase("""{"a":1,"email":"x@y","b":2}""", """{"a":1,"b":2}""")]
    [TestCase("""{"email":"x@y","b":2}""", """{"b":2}""")]
    [TestCase("""{"a":1,"email":"x@y"}""", """{"a":1}""")]
    [TestCase("""{"email":"x@y"}""", """{}""")]
    [TestCase("""{"email":"a","email":"b"}""", """{}""")]
    [TestCase("""{ "a" : 1 , "email" : "x" , "b" : [ 2 ] }""", """{ "a" : 1  , "b" : [ 2 ] }""")]
    [TestCase("""{"owner":{"name":"n","email":"e"},"approvals":[{"by":{"email":"e2","username":"u"}}]}""",
        """{"owner":{"name":"n"},"approvals":[{"by":{"username":"u"}}]}""")]
    [TestCase("""{"email":{"email":"nested"},"x":"email"}""", """{"x":"email"}""")]
    [TestCase("""{"e\u006dail":"escaped name","k":"\u003e kept \u0027as is\u0027"}""", """{"k":"\u003e kept \u0027as is\u0027"}""")]
    public void Named_members_are_cut_out_and_every_other_byte_stays(string json, string expected) =>
        Assert.That(Redact(json, "email"), Is.EqualTo(expected));

    [Test]
    public void A_line_without_the_members_is_returned_as_the_same_array()
    {
        byte[] line = """{"type":"x","author":{"name":"n"}}"""u8.ToArray();
        Assert.That(new JsonRedactor(["email"]).Redact(line), Is.SameAs(line));
    }

    [Test]
    public void Every_sample_event_loses_its_emails_and_nothing_else()
    {
        var redactor = new JsonRedactor(["email"]);
        foreach (var line in SampleEvents.Lines())
        {
            byte[] redacted = redactor.Redact(line);
            using var after = JsonDocument.Parse(redacted);
            Assert.That(Emails(after.RootElement), Is.Zero);
            using var before = JsonDocument.Parse(line);
            Assert.That(Canonical(after.RootElement), Is.EqualTo(Canonical(Without(before.RootElement, "email"))));
        }
    }

    private static int Emails(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().Sum(p => (p.Name == "email" ? 1 : 0) + Emails(p.Value)),
        JsonValueKind.Array => e.EnumerateArray().Sum(Emails),
        _ => 0,
    };

    private static JsonElement Without(JsonElement e, string name)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer)) Write(writer, e, name);
        return JsonDocument.Parse(buffer.ToArray()).RootElement;
    }

    private static void Write(Utf8JsonWriter w, JsonElement e, string name)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                w.WriteStartObject();
                foreach (var p in e.EnumerateObject().Where(p => p.Name != name))
                {
                    w.WritePropertyName(p.Name);
                    Write(w, p.Value, name);
                }
                w.WriteEndObject();
                break;
            case JsonValueKind.Array:
                w.WriteStartArray();
                foreach (var item in e.EnumerateArray()) Write(w, item, name);
                w.WriteEndArray();
                break;
            default:
                e.WriteTo(w);
                break;
        }
    }

    private static string Canonical(JsonElement e) => JsonSerializer.Serialize(e);
}
