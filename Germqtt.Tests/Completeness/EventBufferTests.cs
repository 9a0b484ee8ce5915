namespace Germqtt.Tests.Completeness;

/// <summary>A catch-up waits for room in the buffer rather than pushing live events out of it.</summary>
public class EventBufferTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    private static EventBuffer Buffer(int capacity, int events)
    {
        var buffer = new EventBuffer(capacity, Log.Silent, new Counters());
        for (int i = 0; i < events; i++) buffer.Add(new RoutedEvent($"gerrit/p/{i}", []));
        return buffer;
    }

    [TestCase(0)]
    [TestCase(2)]
    public void With_room_a_catch_up_goes_on_at_once(int events) =>
        Assert.That(Buffer(3, events).WaitForRoomAsync(CancellationToken.None).IsCompletedSuccessfully, Is.True);

    [Test]
    public async Task A_full_buffer_holds_the_catch_up_until_an_event_is_taken()
    {
        var buffer = Buffer(2, 2);
        var waiting = buffer.WaitForRoomAsync(CancellationToken.None);
        Assert.That(waiting.IsCompleted, Is.False);

        Assert.That(buffer.TryTake(out _), Is.True);
        await waiting.WaitAsync(Patience);
        Assert.That(buffer.Count, Is.EqualTo(1));
    }

    [Test]
    public async Task Several_waiting_producers_all_go_on_once_there_is_room()
    {
        var buffer = Buffer(1, 1);
        var first = buffer.WaitForRoomAsync(CancellationToken.None);
        var second = buffer.WaitForRoomAsync(CancellationToken.None);
        buffer.TryTake(out _);
        await Task.WhenAll(first, second).WaitAsync(Patience);
    }

    [Test]
    public async Task A_buffer_filled_again_holds_the_next_wait()
    {
        var buffer = Buffer(1, 1);
        var waiting = buffer.WaitForRoomAsync(CancellationToken.None);
        buffer.TryTake(out _);
        await waiting.WaitAsync(Patience);

        buffer.Add(new RoutedEvent("gerrit/p/again", []));
        var next = buffer.WaitForRoomAsync(CancellationToken.None);
        Assert.That(next.IsCompleted, Is.False);
        buffer.TryTake(out _);
        await next.WaitAsync(Patience);
    }

    [Test]
    public async Task A_stop_ends_the_wait_for_room()
    {
        var buffer = Buffer(1, 1);
        using var stop = new CancellationTokenSource();
        var waiting = buffer.WaitForRoomAsync(stop.Token);
        await stop.CancelAsync();
        Assert.That(async () => await waiting.WaitAsync(Patience), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(buffer.Count, Is.EqualTo(1), "the buffer is left as it was");
    }

    [Test]
    public async Task A_wait_cancelled_earlier_does_not_hold_up_the_next_one()
    {
        var buffer = Buffer(1, 1);
        using (var stop = new CancellationTokenSource())
        {
            var cancelled = buffer.WaitForRoomAsync(stop.Token);
            await stop.CancelAsync();
            Assert.That(async () => await cancelled, Throws.InstanceOf<OperationCanceledException>());
        }
        var waiting = buffer.WaitForRoomAsync(CancellationToken.None);
        buffer.TryTake(out _);
        await waiting.WaitAsync(Patience);
    }
}
