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
    EventBuffer buffer,
    Func<TimeSpan, CancellationToken, Task> delay)
{
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
                try
                {
                    var connected = await client.ConnectAsync(ClientOptions(), deadline);
                    // MQTTnet reports a refusal (bad credentials, not authorised) as a result, not an exception.
                    if (connected.ResultCode != MqttClientConnectResultCode.Success)
                        throw new BrokerRefusedException($"broker refused the connection: {connected.ResultCode}" +
                                                         (connected.ReasonString is { Length: > 0 } why ? $" ({why})" : ""));
                    connectedAt = Environment.TickCount64;
                    log.Info($"mqtt {options.Endpoint}: connected as client id {options.ClientId}");
                    status.SetMqtt(true);
                    // Only a signal: reconnecting from MQTTnet's own event handler can deadlock it.
                    var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    client.DisconnectedAsync += _ =>
                    {
                        lost.TrySetResult();
                        return Task.CompletedTask;
                    };
                    var session = new PublishSession(client, options, log, counters, buffer, _unacknowledged, Window(connected), lost.Task);
                    await session.RunAsync(deadline);
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

    /// <summary>
    /// How many publishes may await their acknowledgement. QoS 2 goes one at a time: Mosquitto
    /// delivers a QoS 2 message when it is released (PUBREL), and MQTTnet does not keep the
    /// releases of concurrent publishes in order: subscribers saw events reordered.
    /// </summary>
    private int Window(MqttClientConnectResult connected)
    {
        if (options.Qos == MqttQualityOfServiceLevel.ExactlyOnce) return 1;
        return connected.ReceiveMaximum is > 0 and var maximum ? Math.Min(options.MaxInflight, maximum) : options.MaxInflight;
    }

    private MqttClientOptions ClientOptions()
    {
        var builder = new MqttClientOptionsBuilder()
            .WithProtocolVersion(options.Protocol)
            .WithClientId(options.ClientId)
            .WithCleanSession(true)
            .WithTimeout(options.ConnectTimeout);
        builder = options.Keepalive > TimeSpan.Zero ? builder.WithKeepAlivePeriod(options.Keepalive) : builder.WithNoKeepAlive();
        if (options.Username is not null) builder = builder.WithCredentials(options.Username, options.Password);
        if (options.Transport == MqttTransport.WebSockets)
            builder = builder.WithWebSocketServer(o => o.WithUri(options.Endpoint));
        else
            builder = builder.WithTcpServer(options.Hostname, options.Port);
        BrokerTls.Apply(builder, options.Tls);
        return builder.Build();
    }

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

    private sealed class BrokerRefusedException(string message) : Exception(message);

    private static string Describe(Exception e) => e switch
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
