using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace Germqtt;

/// <summary>
/// One connected stretch of the publisher: sends in order, keeps at most <c>window</c> QoS 1/2
/// publishes unacknowledged (more would overrun the broker's in-flight limit, which MQTT 3.1.1
/// answers with silent loss at QoS 2), and fails as soon as the connection does or an
/// acknowledgement is overdue. <c>unacknowledged</c> outlives the session: its first items are
/// the ones in flight, and after a failure they are the first sent on the next connection.
/// </summary>
internal sealed class PublishSession(
    IMqttClient client,
    MqttOptions options,
    Log log,
    Counters counters,
    EventBuffer buffer,
    List<Outgoing> unacknowledged,
    int window,
    BrokerSocket socket,
    Task connectionLost)
{
    private readonly Queue<(Task<MqttClientPublishResult> Ack, long SentAt)> _inFlight = new();
    private long _headSentAt;
    private volatile bool _overdue;
    // Events sent since the loop last waited.
    private int _run;

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
        Task never = Task.Delay(Timeout.Infinite, cancel);
        while (true)
        {
            Retire();
            bool room = _inFlight.Count < window;
            if (room && NextToSend() is { } next)
            {
                // The first event of a run leaves at once; from the second on they are batched.
                if (++_run == 2) socket.Cork(true);
                Send(next, cancel);
                continue;
            }
            if (_run > 1) socket.Cork(false);
            _run = 0;
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

    private Outgoing? NextToSend()
    {
        // Resend what a broken connection left unacknowledged before anything newer.
        if (_inFlight.Count < unacknowledged.Count) return unacknowledged[_inFlight.Count];
        if (!buffer.TryTake(out var message)) return null;
        unacknowledged.Add(message);
        return message;
    }

    private void Send(Outgoing message, CancellationToken cancel)
    {
        var mqttMessage = new MqttApplicationMessageBuilder()
            .WithTopic(message.Topic)
            .WithPayload(message.Payload)
            .WithQualityOfServiceLevel(options.Qos)
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
            var ack = _inFlight.Dequeue().Ack;
            var message = unacknowledged[0];
            if (ack.IsCompletedSuccessfully)
                Accept(ack.Result, message);
            else if (ack.Exception?.InnerException is MqttProtocolViolationException invalid)
                log.Error($"mqtt {options.Endpoint}: cannot publish to '{message.Topic}': {invalid.Message}; event dropped");
            else
                ack.GetAwaiter().GetResult();
            unacknowledged.RemoveAt(0);
            Volatile.Write(ref _headSentAt, _inFlight.Count > 0 ? _inFlight.Peek().SentAt : 0);
        }
    }

    private void Accept(MqttClientPublishResult result, Outgoing message)
    {
        if (result.IsSuccess)
        {
            counters.CountPublished();
            if (log.IsEnabled(LogLevel.Debug)) log.Debug($"published {message.Topic} ({message.Payload.Length} bytes)");
            return;
        }
        // The broker is full right now: keep the event and let the reconnect send it again.
        if (result.ReasonCode == MqttClientPublishReasonCode.QuotaExceeded)
            throw new MqttCommunicationException("broker quota exceeded");
        // Only MQTT 5 says so; an MQTT 3.1.1 broker drops a publish it does not allow without a word.
        counters.CountRejected();
        log.Warning($"mqtt {options.Endpoint}: broker rejected the publish to '{message.Topic}': {result.ReasonCode} {result.ReasonString}; event dropped");
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
