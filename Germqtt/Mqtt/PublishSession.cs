using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace Germqtt.Mqtt;

/// <summary>
/// One connected stretch of the publisher: sends in order, keeps at most <c>window</c> QoS 1/2
/// publishes unacknowledged (more would overrun the broker's in-flight limit, which MQTT 3.1.1
/// answers with silent loss at QoS 2), and fails as soon as the connection does or an
/// acknowledgement is overdue. <c>unacknowledged</c> outlives the session: its first items are
/// the ones in flight, and after a failure they are the first sent on the next connection, one
/// at a time: any of them may be the reason the last connection ended, and alone each shows
/// whether it is (see <see cref="HeadOfLine"/>). An event whose packet is larger than
/// <c>maxPacketSize</c> is never sent: it is set aside.
/// </summary>
internal sealed class PublishSession(
    IMqttClient client,
    MqttOptions options,
    Log log,
    Counters counters,
    EventBuffer buffer,
    List<RoutedEvent> unacknowledged,
    int window,
    long? maxPacketSize,
    Action<RoutedEvent, string> setAside,
    Action<RoutedEvent> delivered,
    BrokerSocket socket,
    Task connectionLost)
{
    private readonly Queue<(Task<MqttClientPublishResult> Ack, long SentAt)> _inFlight = new();
    private long _headSentAt;
    private volatile bool _overdue;
    private int _sentSinceWait;

    // Events left from a broken connection, still to be sent one at a time.
    private int _resending = unacknowledged.Count;

    /// <summary>After a failure: the first unacknowledged event had been sent on this connection.</summary>
    public bool HeadInFlight => _inFlight.Count > 0;

    /// <summary>Publishes until the buffer is complete and everything is acknowledged.</summary>
    public async Task RunAsync(CancellationToken cancel)
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var watchdog = WatchAcknowledgementsAsync(session);
        try
        {
            await PublishAllAsync(session.Token);
        }
        catch (Exception) when (_overdue && !cancel.IsCancellationRequested)
        {
            throw new TimeoutException($"no acknowledgement within {options.PublishTimeout.TotalSeconds:0.###}s");
        }
        finally
        {
            await session.CancelAsync();
            await watchdog;
        }
    }

    private async Task PublishAllAsync(CancellationToken cancel)
    {
        // Stands in for a wait that does not apply right now; ends with the session.
        Task never = Cancelled.When(cancel);
        while (true)
        {
            Retire();
            bool room = _inFlight.Count < (_resending > 0 ? 1 : window);
            if (room && NextToSend() is { } next)
            {
                // The first event of a run leaves at once; from the second on they are batched.
                if (++_sentSinceWait == 2) socket.Cork(true);
                Send(next, cancel);
                continue;
            }
            if (_sentSinceWait > 1) socket.Cork(false);
            _sentSinceWait = 0;
            if (_inFlight.Count == 0 && buffer.IsDrained) return;
            // Wake on an acknowledgement, on a new event while the window has room, or when the
            // broker goes away: an idle publisher notices at once, not with the next event.
            Task head = _inFlight.Count > 0 ? _inFlight.Peek().Ack : never;
            Task input = room && !buffer.IsDrained ? buffer.WaitAsync(cancel).AsTask() : never;
            await Task.WhenAny(head, input, connectionLost);
            if (connectionLost.IsCompleted && !head.IsCompleted)
                throw new MqttCommunicationException("connection lost");
        }
    }

    private RoutedEvent? NextToSend()
    {
        while (true)
        {
            // Resend what a broken connection left unacknowledged before anything newer.
            if (_inFlight.Count >= unacknowledged.Count)
            {
                if (!buffer.TryTake(out var taken)) return null;
                unacknowledged.Add(taken);
            }
            var message = unacknowledged[_inFlight.Count];
            if (maxPacketSize is not { } max || PublishPacket.Size(message, options.Qos, options.Protocol) is var size && size <= max)
                return message;
            // The broker would close the connection on it, every time.
            unacknowledged.RemoveAt(_inFlight.Count);
            if (_inFlight.Count < _resending) _resending--;
            setAside(message, $"its PUBLISH packet of {size} bytes is larger than the broker takes ({max} bytes)");
        }
    }

    private void Send(RoutedEvent message, CancellationToken cancel)
    {
        var mqttMessage = new MqttApplicationMessageBuilder()
            .WithTopic(message.Topic)
            .WithPayload(message.Payload)
            .WithQualityOfServiceLevel(message.IsNotice && options.Qos == MqttQualityOfServiceLevel.AtMostOnce ? MqttQualityOfServiceLevel.AtLeastOnce : options.Qos)
            .Build();
        long now = Environment.TickCount64;
        if (_inFlight.Count == 0) Volatile.Write(ref _headSentAt, now);
        _inFlight.Enqueue((client.PublishAsync(mqttMessage, cancel), now));
    }

    /// <summary>Takes acknowledged publishes off the front, in order; throws when the head failed.</summary>
    private void Retire()
    {
        while (_inFlight.Count > 0 && _inFlight.Peek().Ack.IsCompleted)
        {
            var ack = _inFlight.Peek().Ack;
            var message = unacknowledged[0];
            // A failed publish ends the session and stays in flight and unacknowledged, to be sent again.
            if (!ack.IsCompletedSuccessfully) ack.GetAwaiter().GetResult();
            Accept(ack.Result, message);
            _inFlight.Dequeue();
            unacknowledged.RemoveAt(0);
            if (_resending > 0) _resending--;
            Volatile.Write(ref _headSentAt, _inFlight.Count > 0 ? _inFlight.Peek().SentAt : 0);
        }
    }

    private void Accept(MqttClientPublishResult result, RoutedEvent message)
    {
        if (result.IsSuccess)
        {
            if (!message.IsNotice) counters.CountPublished();
            delivered(message);
            if (log.IsEnabled(LogLevel.Debug)) log.Debug($"published {message.Topic} ({message.Payload.Length} bytes)");
            return;
        }
        // The broker is full right now: keep the event and let the reconnect send it again.
        if (result.ReasonCode == MqttClientPublishReasonCode.QuotaExceeded)
            throw new QuotaExceededException();
        // Only MQTT 5 says so; an MQTT 3.1.1 broker drops a publish it does not allow without a word.
        setAside(message, $"the broker answered {result.ReasonCode}{(result.ReasonString is { Length: > 0 } why ? $" ({why})" : "")}");
    }

    /// <summary>MQTTnet's publish has no timeout of its own: a frozen broker would hold the window forever.</summary>
    private async Task WatchAcknowledgementsAsync(CancellationTokenSource session)
    {
        var period = TimeSpan.FromTicks(Math.Max(options.PublishTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond));
        try
        {
            while (true)
            {
                await Task.Delay(period, session.Token);
                long since = Volatile.Read(ref _headSentAt);
                if (since != 0 && Environment.TickCount64 - since > options.PublishTimeout.TotalMilliseconds)
                {
                    _overdue = true;
                    await session.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
