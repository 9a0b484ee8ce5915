using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Germqtt.Mqtt;

/// <summary>
/// Owns the broker side: one loop that connects, publishes the buffer in order with up to
/// <see cref="MqttOptions.MaxInflight"/> unacknowledged messages, and on any failure waits its
/// backoff and connects again. An event is done only once its publish was acknowledged at the
/// configured QoS; what was in flight when a connection broke is sent again first.
/// </summary>
public sealed class MqttPublisher(
    MqttOptions options,
    Log log,
    Counters counters,
    ConnectionStatus status,
    StatusDocument statusDocument,
    EventBuffer buffer,
    Action<RoutedEvent>? delivered = null) : IEventSink
{
    private volatile IMqttClient? _current;

    /// <summary>
    /// The retained online/offline document. It is about germqtt, not an event: a broker that does
    /// not take it (an ACL without the status topic) must not hold up the events.
    /// </summary>
    private async Task PublishStateAsync(IMqttClient client, byte[] document, CancellationToken cancel)
    {
        try
        {
            await BrokerConnection.PublishAsync(client, options.StatusTopic, document, retain: true, options.PublishTimeout, cancel);
        }
        catch (Exception e) when (!cancel.IsCancellationRequested && client.IsConnected)
        {
            log.Warning($"mqtt {options.Endpoint}: status not published to {options.StatusTopic}: {e.Message}");
        }
    }

    /// <summary>Publishes a retained document under the status topic when connected; skipped otherwise.</summary>
    public async Task PublishStatusAsync(string subtopic, byte[] payload, CancellationToken cancel)
    {
        if (_current is not { } client) return;
        try
        {
            await BrokerConnection.PublishAsync(client, $"{options.StatusTopic}/{subtopic}", payload, retain: true, options.PublishTimeout, cancel);
        }
        // A bounded publish that timed out is cancelled too; only the caller's own cancellation ends it.
        catch (Exception e) when (!cancel.IsCancellationRequested)
        {
            // The publishing loop notices a broken connection itself; a missed report is harmless.
            log.Debug($"mqtt {options.Endpoint}: status not published: {e.Message}");
        }
    }

    // Taken from the buffer but not yet acknowledged by the broker, oldest first.
    private readonly List<RoutedEvent> _unacknowledged = [];
    private readonly MqttClientFactory _factory = new();
    private readonly HeadOfLine _headOfLine = new();

    /// <summary>Events not delivered: buffered, or taken but never acknowledged.</summary>
    public int Undelivered => _unacknowledged.Count + buffer.Count;

    private bool NothingLeft => buffer.IsDrained && _unacknowledged.Count == 0;

    /// <summary>Runs until the buffer is complete and delivered, or <paramref name="deadline"/> is cancelled.</summary>
    public Task RunAsync(CancellationToken deadline)
    {
        var loop = new ReconnectLoop($"mqtt {options.Endpoint}", options.Retry, log, e => ConnectionEnd.Warning(Describe(e)), counters.CountMqttReconnect)
        {
            Detail = () => $"; {Undelivered} events waiting",
            WaitToRetry = WaitToRetryAsync,
        };
        return loop.RunAsync(ConnectionAsync, deadline);
    }

    /// <summary>One connection to the broker; null once everything is delivered, or why it ended.</summary>
    private async Task<ConnectionEnd?> ConnectionAsync(ConnectionClock clock, CancellationToken deadline)
    {
        using var client = _factory.CreateMqttClient();
        // Before connecting: MQTTnet's packet inspection fails on a packet whose reading began without it.
        if (options.Qos == MqttQualityOfServiceLevel.ExactlyOnce) ReleaseOrder.Attach(client, options.PublishTimeout);
        // Only a signal: reconnecting from MQTTnet's own event handler can deadlock it. Attached
        // before connecting, so that a drop right after the CONNACK is not missed while idle.
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.DisconnectedAsync += _ =>
        {
            lost.TrySetResult();
            return Task.CompletedTask;
        };
        PublishSession? session = null;
        try
        {
            var socket = new BrokerSocket();
            var connected = await BrokerConnection.ConnectAsync(client, BrokerConnection.Options(options, statusDocument, socket), deadline);
            clock.Start();
            log.Info($"mqtt {options.Endpoint}: connected as client id {options.ClientId}");
            await PublishStateAsync(client, statusDocument.Online(), deadline);
            _current = client;
            status.SetMqtt(!lost.Task.IsCompleted);
            session = new PublishSession(client, options, log, counters, buffer, _unacknowledged, Window(connected),
                MaxPacketSize(connected), SetAside, Delivered, socket, lost.Task);
            await session.RunAsync(deadline);
            _current = null;
            // A clean stop says so itself: the broker sends the will only for an unclean end.
            await PublishStateAsync(client, statusDocument.Offline(), deadline);
            await DisconnectAsync(client);
            return null;
        }
        catch (Exception e) when (!deadline.IsCancellationRequested)
        {
            return ConnectionEnd.Warning(Describe(e) + StrikeHead(session, e));
        }
        finally
        {
            _current = null;
            status.SetMqtt(false);
        }
    }

    /// <summary>Waits out a backoff; false when there is no reason to try again.</summary>
    private async Task<bool> WaitToRetryAsync(TimeSpan wait, CancellationToken deadline)
    {
        try
        {
            // While stopping with nothing left to deliver there is nothing to wait for.
            var pause = Task.Delay(wait, deadline);
            await (_unacknowledged.Count == 0 ? Task.WhenAny(pause, buffer.Drained) : pause);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        return !NothingLeft;
    }

    /// <summary>
    /// A session that broke (not one that timed out) with the first event in line unacknowledged
    /// counts against that event; see <see cref="HeadOfLine"/>. Returns what the log line adds.
    /// </summary>
    private string StrikeHead(PublishSession? session, Exception failure)
    {
        if (session is not { HeadInFlight: true } || failure is TimeoutException or MqttCommunicationTimedOutException or QuotaExceededException) return "";
        var head = _unacknowledged[0];
        if (_headOfLine.Strike(head))
        {
            _unacknowledged.RemoveAt(0);
            SetAside(head, $"the connection ended before its acknowledgement in {HeadOfLine.Tries} sessions in a row");
            return "";
        }
        return _headOfLine.Strikes > 1 ? $" (again before '{head.Topic}' was acknowledged: {_headOfLine.Strikes} of {HeadOfLine.Tries} tries)" : "";
    }

    /// <summary>An event the broker will not take: logged and counted, and the events behind it move on.</summary>
    private void SetAside(RoutedEvent message, string reason)
    {
        counters.CountRejected();
        log.Warning($"mqtt {options.Endpoint}: set aside the event for '{message.Topic}' ({message.Payload.Length} bytes): {reason}; counted as rejected");
        // Done with, as far as the state file goes: sending it again would be refused again.
        Delivered(message);
    }

    private void Delivered(RoutedEvent message) => delivered?.Invoke(message);

    /// <summary>After the run: what was never acknowledged, oldest first, for the spool.</summary>
    public IReadOnlyCollection<RoutedEvent> TakeUndelivered()
    {
        List<RoutedEvent> left = [.. _unacknowledged, .. buffer.TakeAll()];
        _unacknowledged.Clear();
        return left;
    }

    /// <summary>The smaller of ours and the one the broker announced in its CONNACK (MQTT 5); null when neither.</summary>
    private long? MaxPacketSize(MqttClientConnectResult connected)
    {
        long? broker = connected.MaximumPacketSize is > 0 and var announced ? announced : null;
        return options.MaxPacketSize is { } ours && (broker is null || ours < broker) ? ours : broker;
    }

    /// <summary>How many publishes may await their acknowledgement: ours, within the broker's receive maximum.</summary>
    private int Window(MqttClientConnectResult connected) =>
        connected.ReceiveMaximum is > 0 and var maximum ? Math.Min(options.MaxInflight, maximum) : options.MaxInflight;

    private async Task DisconnectAsync(IMqttClient client)
    {
        using var timeout = new CancellationTokenSource(options.ConnectTimeout);
        try
        {
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token);
            log.Info($"mqtt {options.Endpoint}: disconnected");
        }
        catch (Exception e)
        {
            log.Warning($"mqtt {options.Endpoint}: clean disconnect failed: {e.Message}");
        }
    }

    internal static string Describe(Exception e) => e switch
    {
        BrokerRefusedException => e.Message,
        MqttConnectingFailedException c => $"broker refused the connection: {c.Message}",
        MqttCommunicationTimedOutException => "timed out",
        TimeoutException t => t.Message,
        MqttCommunicationException c when c.InnerException is { } inner => $"connection failed: {inner.Message}",
        MqttCommunicationException c => $"connection failed: {c.Message}",
        _ => $"{e.GetType().Name}: {e.Message}",
    };
}
