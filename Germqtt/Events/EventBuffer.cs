using System.Threading.Channels;

namespace Germqtt.Events;

/// <summary>
/// The only place the two sides meet: a bounded queue that never blocks the Gerrit reader.
/// When it is full the oldest event is dropped, counted as overflowed and logged: blocking the
/// reader would only move the backlog into SSH.NET's unbounded buffer, and a live firehose is
/// worth more with its newest events.
/// </summary>
public sealed class EventBuffer
{
    // Once per interval: a broker outage under load would otherwise log every event.
    private static readonly TimeSpan OverflowLogInterval = TimeSpan.FromSeconds(10);

    private readonly Channel<RoutedEvent> _channel;
    private readonly Log _log;
    private readonly Counters _counters;
    private long _lastOverflowLog;
    private TaskCompletionSource? _room;

    public EventBuffer(int capacity, Log log, Counters counters)
    {
        Capacity = capacity;
        _log = log;
        _counters = counters;
        _channel = Channel.CreateBounded<RoutedEvent>(
            new BoundedChannelOptions(capacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = false,
                SingleWriter = false,
            },
            _ => OnOverflow());
    }

    public int Capacity { get; }

    public int Count => _channel.Reader.Count;

    /// <summary>Completes once <see cref="Complete"/> was called and every event was taken.</summary>
    public Task Drained => _channel.Reader.Completion;

    public bool IsDrained => _channel.Reader.Completion.IsCompleted;

    public void Add(RoutedEvent message) => _channel.Writer.TryWrite(message);

    public bool TryTake(out RoutedEvent message)
    {
        if (!_channel.Reader.TryRead(out message!)) return false;
        if (Volatile.Read(ref _room) is { } room && Count < Capacity) room.TrySetResult();
        return true;
    }

    /// <summary>Takes every event left, oldest first: what a stopped sink did not deliver.</summary>
    public List<RoutedEvent> TakeAll()
    {
        var left = new List<RoutedEvent>();
        while (TryTake(out var message)) left.Add(message);
        return left;
    }

    /// <summary>
    /// Waits until the buffer has room: for a producer that can wait (a catch-up), unlike the
    /// live reader, and must not push events out by overfilling it.
    /// </summary>
    public async Task WaitForRoomAsync(CancellationToken cancel)
    {
        while (Count >= Capacity)
        {
            var room = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var current = Interlocked.CompareExchange(ref _room, room, null) ?? room;
            // Taken meanwhile: the signal set up may never come.
            if (Count < Capacity) break;
            await current.Task.WaitAsync(cancel);
            Interlocked.CompareExchange(ref _room, null, current);
        }
    }

    /// <summary>True when an event can be taken; false once the buffer is complete and empty.</summary>
    public ValueTask<bool> WaitAsync(CancellationToken cancel) => _channel.Reader.WaitToReadAsync(cancel);

    /// <summary>No more events will be added: the reader has stopped.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    private void OnOverflow()
    {
        _counters.CountOverflowed();
        long now = Environment.TickCount64;
        long last = Interlocked.Read(ref _lastOverflowLog);
        if (last != 0 && now - last < OverflowLogInterval.TotalMilliseconds) return;
        Interlocked.Exchange(ref _lastOverflowLog, now);
        _log.Warning($"buffer full ({Capacity} events): dropping the oldest; {_counters.Overflowed} dropped so far");
    }
}
