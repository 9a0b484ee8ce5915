namespace Germqtt.Tests.Completeness;

/// <summary>What a catch-up must not publish again, and which live events are duplicates of recovered ones.</summary>
public class LedgerTests
{
    private static EventStamp Stamp(long createdOn, string identity) => new(createdOn, identity);

    [Test]
    public void Nothing_is_known_before_the_first_event()
    {
        var ledger = new Ledger();
        Assert.That((ledger.Newest, ledger.Contains("a"), ledger.WasRecovered("a")), Is.EqualTo(((long?)null, false, false)));
    }

    [Test]
    public void Newest_is_the_latest_creation_time_even_when_events_come_out_of_order()
    {
        var ledger = new Ledger();
        ledger.Add(Stamp(100, "a"), recovered: false);
        ledger.Add(Stamp(105, "b"), recovered: false);
        ledger.Add(Stamp(103, "c"), recovered: true);
        Assert.That(ledger.Newest, Is.EqualTo(105));
    }

    [Test]
    public void An_event_without_identity_still_moves_newest_on()
    {
        var ledger = new Ledger();
        ledger.Add(Stamp(100, "a"), recovered: false);
        ledger.Saw(110);
        ledger.Saw(90);
        Assert.That(ledger.Newest, Is.EqualTo(110));
    }

    [Test]
    public void Handed_on_events_are_known_by_identity()
    {
        var ledger = new Ledger();
        ledger.Add(Stamp(100, "a"), recovered: false);
        Assert.That((ledger.Contains("a"), ledger.Contains("b")), Is.EqualTo((true, false)));
    }

    [Test]
    public void Only_events_a_catch_up_published_make_their_live_copy_a_duplicate()
    {
        var ledger = new Ledger();
        ledger.Add(Stamp(100, "live"), recovered: false);
        ledger.Add(Stamp(100, "recovered"), recovered: true);
        Assert.That((ledger.WasRecovered("live"), ledger.WasRecovered("recovered"), ledger.WasRecovered("unknown")), Is.EqualTo((false, true, false)));
    }

    [Test]
    public void An_event_first_handed_on_live_stays_live_when_a_catch_up_meets_it_again()
    {
        var ledger = new Ledger();
        ledger.Add(Stamp(100, "a"), recovered: false);
        ledger.Add(Stamp(100, "a"), recovered: true);
        Assert.That(ledger.WasRecovered("a"), Is.False);
    }

    [Test]
    public void Resuming_from_the_state_file_sets_newest_and_knows_that_seconds_events_as_live()
    {
        var ledger = new Ledger();
        ledger.Resume(500, ["x", "y"]);
        Assert.That((ledger.Newest, ledger.Contains("x"), ledger.Contains("y"), ledger.WasRecovered("x")), Is.EqualTo(((long?)500, true, true, false)));
    }

    [Test]
    public void Resuming_never_moves_newest_back()
    {
        var ledger = new Ledger();
        ledger.Add(Stamp(900, "a"), recovered: false);
        ledger.Resume(500, ["x"]);
        Assert.That(ledger.Newest, Is.EqualTo(900));
    }

    [Test]
    public void Events_more_than_RetainSeconds_behind_the_newest_are_forgotten()
    {
        var ledger = new Ledger();
        ledger.Add(Stamp(1000, "old"), recovered: true);
        ledger.Add(Stamp(1001, "kept"), recovered: true);
        ledger.Add(Stamp(1000 + Ledger.RetainSeconds, "at-the-edge"), recovered: false);
        Assert.That((ledger.Contains("old"), ledger.Contains("kept")), Is.EqualTo((true, true)), "exactly RetainSeconds behind is kept");

        ledger.Add(Stamp(1001 + Ledger.RetainSeconds, "newer"), recovered: false);
        Assert.That((ledger.Contains("old"), ledger.WasRecovered("old"), ledger.Contains("kept"), ledger.Contains("newer")), Is.EqualTo((false, false, true, true)));
    }

    [Test]
    public void Resumed_identities_are_forgotten_once_events_are_far_enough_past_them()
    {
        var ledger = new Ledger();
        ledger.Resume(1000, ["x"]);
        ledger.Add(Stamp(1001 + Ledger.RetainSeconds, "a"), recovered: false);
        Assert.That(ledger.Contains("x"), Is.False);
    }
}
