using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Germqtt;

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
    Func<TimeSpan, CancellationToken, Task> delay) : IEventSink
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
            await BrokerConnection.PublishRetainedAsync(client, options.StatusTopic, document, options.PublishTimeout, cancel);
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
            await BrokerConnection.PublishRetainedAsync(client, $"{options.StatusTopic}/{subtopic}", payload, options.PublishTimeout, cancel);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The publishing loop notices a broken connection itself; a missed report is harmless.
            log.Debug($"mqtt {options.Endpoint}: status not published: {e.Message}");
        }
    }

    // Taken from the buffer but not yet acknowledged by the broker, oldest first.
    private readonly List<Outgoing> _unacknowledged = [];
    private readonly MqttClientFactory _factory = new();

    /// <summary>Events not delivered: buffered, or taken but never acknowledged.</summary>
    public int Undelivered => _unacknowledged.Count + buffer.Count;

    private bool NothingLeft => buffer.IsDrained && _unacknowledged.Count == 0;

    /// <summary>Runs until the buffer is complete and delivered, or <paramref name="deadline"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken deadline)
    {
        var backoff = new Backoff(options.Retry);
        while (!deadline.IsCancellationRequested)
        {
            long connectedAt = 0;
            string failure;
            using (var client = _factory.CreateMqttClient())
            {
                // Before connecting: MQTTnet's packet inspection fails on a packet whose reading began without it.
                if (options.Qos == MqttQualityOfServiceLevel.ExactlyOnce) ReleaseOrder.Attach(client, options.PublishTimeout);
                try
                {
                    var socket = new BrokerSocket();
                    var connected = await BrokerConnection.ConnectAsync(client, BrokerConnection.Options(options, statusDocument, socket), deadline);
                    connectedAt = Environment.TickCount64;
                    log.Info($"mqtt {options.Endpoint}: connected as client id {options.ClientId}");
                    await PublishStateAsync(client, statusDocument.Online(), deadline);
                    _current = client;
                    status.SetMqtt(true);
                    // Only a signal: reconnecting from MQTTnet's own event handler can deadlock it.
                    var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    client.DisconnectedAsync += _ =>
                    {
                        lost.TrySetResult();
                        return Task.CompletedTask;
                    };
                    var session = new PublishSession(client, options, log, counters, buffer, _unacknowledged, Window(connected), socket, lost.Task);
                    await session.RunAsync(deadline);
                    _current = null;
                    // A clean stop says so itself: the broker sends the will only for an unclean end.
                    await PublishStateAsync(client, statusDocument.Offline(), deadline);
                    await DisconnectAsync(client);
                    return;
                }
                catch (Exception) when (deadline.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception e)
                {
                    failure = Describe(e);
                }
                finally
                {
                    _current = null;
                    status.SetMqtt(false);
                }
            }

            if (connectedAt != 0) backoff.SucceededFor(TimeSpan.FromMilliseconds(Environment.TickCount64 - connectedAt));
            TimeSpan wait = backoff.Next();
            counters.CountMqttReconnect();
            log.Warning($"mqtt {options.Endpoint}: {failure}; {Undelivered} events waiting; reconnect attempt {backoff.Attempt} in {wait.TotalSeconds:0.###}s");
            if (!await WaitToRetryAsync(wait, deadline)) break;
        }
    }

    /// <summary>Waits out a backoff; false when there is no reason to try again.</summary>
    private async Task<bool> WaitToRetryAsync(TimeSpan wait, CancellationToken deadline)
    {
        try
        {
            // While stopping with nothing left to deliver there is nothing to wait for.
            var pause = delay(wait, deadline);
            await (_unacknowledged.Count == 0 ? Task.WhenAny(pause, buffer.Drained) : pause);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        return !NothingLeft;
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
