namespace Germqtt.Tests.Completeness;

/// <summary>The events-log's return limit, learnt from pages it evidently cut.</summary>
public class PageLimitTests
{
    [TestCase(0)]
    [TestCase(1)]
    [TestCase(10_000)]
    public void No_page_counts_as_cut_before_a_cut_page_was_seen(int count) =>
        Assert.That(new PageLimit().Reached(count), Is.False);

    [Test]
    public void After_a_cut_page_pages_of_that_size_or_more_count_as_cut()
    {
        var limit = new PageLimit();
        limit.Saw(500);
        Assert.That(new[] { 0, 499, 500, 501, 5000 }.Select(limit.Reached), Is.EqualTo(new[] { false, false, true, true, true }));
    }

    [Test]
    public void A_smaller_cut_page_does_not_lower_the_known_limit()
    {
        var limit = new PageLimit();
        limit.Saw(500);
        limit.Saw(200);
        Assert.That((limit.Reached(200), limit.Reached(500)), Is.EqualTo((false, true)));
    }

    [Test]
    public void A_larger_cut_page_raises_the_known_limit()
    {
        var limit = new PageLimit();
        limit.Saw(200);
        limit.Saw(500);
        Assert.That((limit.Reached(200), limit.Reached(500)), Is.EqualTo((false, true)));
    }
}
