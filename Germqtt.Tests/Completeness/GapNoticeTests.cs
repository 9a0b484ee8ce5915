using System.Text.Json;

namespace Germqtt.Tests.Completeness;

/// <summary>What a consumer reads on &lt;status_topic&gt;/gap.</summary>
public class GapNoticeTests
{
    [Test]
    public void A_gap_notice_has_from_to_complete_recovered_and_reason_and_nothing_else()
    {
        byte[] document = GapNotice.Document(new Gap(1592081900, 1592081929, "the SSH session ended (connection lost)"), complete: true, recovered: 17);
        using var parsed = JsonDocument.Parse(document);
        var members = parsed.RootElement.EnumerateObject().Select(p => (p.Name, p.Value.ValueKind)).ToList();
        Assert.That(members, Is.EqualTo(new[]
        {
            ("from", JsonValueKind.Number), ("to", JsonValueKind.Number), ("complete", JsonValueKind.True),
            ("recovered", JsonValueKind.Number), ("reason", JsonValueKind.String),
        }));
        var root = parsed.RootElement;
        Assert.That((root.GetProperty("from").GetInt64(), root.GetProperty("to").GetInt64(), root.GetProperty("recovered").GetInt64(), root.GetProperty("reason").GetString()),
            Is.EqualTo((1592081900L, 1592081929L, 17L, "the SSH session ended (connection lost)")));
    }

    [Test]
    public void An_incomplete_gap_says_complete_false_as_a_boolean() =>
        Assert.That(System.Text.Encoding.UTF8.GetString(GapNotice.Document(new Gap(1, 2, "r"), complete: false, recovered: 0)),
            Is.EqualTo("""{"from":1,"to":2,"complete":false,"recovered":0,"reason":"r"}"""));

    [Test]
    public void The_notice_goes_to_the_gap_subtopic() => Assert.That(GapNotice.Subtopic, Is.EqualTo("gap"));
}
