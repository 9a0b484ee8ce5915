using System.Text;

namespace Germqtt.Tests.Completeness;

/// <summary>When Gerrit made an event (eventCreatedOn), as the stream reader takes it.</summary>
public class GerritEventTests
{
    private static long? CreatedOn(string line)
    {
        Assert.That(GerritEvent.TryParse(Encoding.UTF8.GetBytes(line), out var gerritEvent, out var problem), Is.True, problem);
        return gerritEvent!.CreatedOn;
    }

    [Test]
    public void A_whole_number_eventCreatedOn_is_the_creation_time() =>
        Assert.That(CreatedOn("""{"type":"t","eventCreatedOn":1592081929}"""), Is.EqualTo(1592081929));

    [TestCase("1592081929.9")]
    [TestCase("1.5920819299e9")]
    public void A_fractional_eventCreatedOn_is_its_whole_second(string value) =>
        Assert.That(CreatedOn($$"""{"type":"t","eventCreatedOn":{{value}}}"""), Is.EqualTo(1592081929));

    [Test]
    public void An_event_without_eventCreatedOn_has_no_creation_time() =>
        Assert.That(CreatedOn("""{"type":"t","project":"p"}"""), Is.Null);

    [TestCase("\"1592081929\"")]
    [TestCase("null")]
    [TestCase("true")]
    [TestCase("{\"seconds\":1}")]
    [TestCase("[1592081929]")]
    [TestCase("1e300")]
    public void An_eventCreatedOn_that_is_not_a_number_of_seconds_is_ignored_not_rejected(string value) =>
        Assert.That(CreatedOn($$"""{"type":"t","eventCreatedOn":{{value}},"project":"p"}"""), Is.Null);

    [Test]
    public void A_nested_eventCreatedOn_is_not_the_events_own() =>
        Assert.That(CreatedOn("""{"type":"t","change":{"eventCreatedOn":5},"patchSet":{"createdOn":6}}"""), Is.Null);

    [Test]
    public void The_creation_time_of_every_sample_is_read()
    {
        var samples = SampleEvents.Lines();
        Assert.That(samples.Count(l => GerritEvent.TryParse(l, out var e, out _) && e!.CreatedOn is > 1_000_000_000),
            Is.EqualTo(samples.Count(l => Encoding.UTF8.GetString(l).Contains("\"eventCreatedOn\":", StringComparison.Ordinal))));
    }
}
