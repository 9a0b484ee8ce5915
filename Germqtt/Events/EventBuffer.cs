using System.Threading.Channels;

namespace Germqtt.Events;

/// <summary>
/// The only place the two sides meet: a bounded queue that never blocks the Gerrit reader.
/// When it is full the oldest event is dropped (and reported through <c>onOverflow</c>): blocking
/// the reader would only move the backlog into SSH.NET's unbounded buffer, and a live firehose
/// is worth more with its newest events.
/// </summary>
public sealed class EventBuffer
{
    private readonly Channel<Outgoing> _channel;

    public EventBuffer(int capacity, Action<Outgoing> onOverflow)
    {
        Capacity = capacity;
        _channel = Channel.CreateBounded(
            new BoundedChannelOptions(capacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = false,
                SingleWriter = false,
            },
            onOverflow);
    }

    public int Capacity { get; }

    public int Count => _channel.Reader.Count;

    /// <summary>Completes once <see cref="Complete"/> was called and every event was taken.</summary>
    public Task Drained => _channel.Reader.Completion;

    public bool IsDrained => _channel.Reader.Completion.IsCompleted;

    public void Add(Outgoing message) => _channel.Writer.TryWrite(message);

    public bool TryTake(out Outgoing message) => _channel.Reader.TryRead(out message!);

    /// <summary>True when an event can be taken; false once the buffer is complete and empty.</summary>
    public ValueTask<bool> WaitAsync(CancellationToken cancel) => _channel.Reader.WaitToReadAsync(cancel);

    /// <summary>No more events will be added: the reader has stopped.</summary>
    public void Complete() => _channel.Writer.TryComplete();
}
