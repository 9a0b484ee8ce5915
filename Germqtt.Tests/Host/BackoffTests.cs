namespace Germqtt.Tests.Host;

public class BackoffTests
{
    private static readonly RetryOptions OneToSixty = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));

    [Test]
    public void Delays_double_up_to_the_cap()
    {
        var backoff = new Backoff(OneToSixty, () => 1.0);
        var delays = Enumerable.Range(0, 9).Select(_ => backoff.Next().TotalSeconds).ToList();
        Assert.That(delays, Is.EqualTo(new double[] { 1, 2, 4, 8, 16, 32, 60, 60, 60 }));
    }

    [Test]
    public void Jitter_spreads_each_delay_below_its_cap_but_never_to_zero()
    {
        var backoff = new Backoff(OneToSixty, () => 0.0);
        Assert.That(backoff.Next(), Is.EqualTo(TimeSpan.FromMilliseconds(100)));
        var half = new Backoff(OneToSixty, () => 0.5);
        Assert.That(Enumerable.Range(0, 3).Select(_ => half.Next().TotalSeconds), Is.EqualTo(new[] { 0.5, 1, 2 }));
    }

    [Test]
    public void Retrying_forever_stays_at_the_cap()
    {
        var backoff = new Backoff(OneToSixty, () => 1.0);
        TimeSpan last = default;
        for (int i = 0; i < 10_000; i++) last = backoff.Next();
        Assert.That(last, Is.EqualTo(TimeSpan.FromSeconds(60)));
    }

    [Test]
    public void A_connection_healthy_for_the_cap_resets_the_sequence()
    {
        var backoff = new Backoff(OneToSixty, () => 1.0);
        for (int i = 0; i < 5; i++) backoff.Next();
        backoff.SucceededFor(TimeSpan.FromSeconds(59));
        Assert.That(backoff.Next(), Is.EqualTo(TimeSpan.FromSeconds(32)));
        backoff.SucceededFor(TimeSpan.FromSeconds(60));
        Assert.That(backoff.Next(), Is.EqualTo(TimeSpan.FromSeconds(1)));
    }
}
