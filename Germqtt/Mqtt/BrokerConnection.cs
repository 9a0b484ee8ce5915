using MQTTnet;
using MQTTnet.Protocol;

namespace Germqtt.Mqtt;

/// <summary>
/// How germqtt connects to the broker, shared by the publisher and --check: transport, TLS,
/// credentials, and a retained "offline" last will on the status topic, so subscribers learn
/// when germqtt dies without saying goodbye.
/// </summary>
public static class BrokerConnection
{
    public static MqttClientOptions Options(MqttOptions options, StatusDocument status, BrokerSocket socket, string? clientId = null)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithProtocolVersion(options.Protocol)
            .WithClientId(clientId ?? options.ClientId)
            .WithCleanSession(true)
            .WithTimeout(options.ConnectTimeout)
            .WithWillTopic(options.StatusTopic)
            .WithWillPayload(status.Offline())
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithWillRetain(true)
            // One write per packet: MQTTnet otherwise writes a PUBLISH's header and payload
            // separately, and with TCP_NODELAY each becomes a segment the broker reads on its own.
            .WithoutPacketFragmentation();
        builder = options.Keepalive > TimeSpan.Zero ? builder.WithKeepAlivePeriod(options.Keepalive) : builder.WithNoKeepAlive();
        if (options.Username is not null) builder = builder.WithCredentials(options.Username, options.Password);
        if (options.Transport == MqttTransport.WebSockets)
            builder = builder.WithWebSocketServer(o => o.WithUri(options.Endpoint));
        else
            builder = builder.WithTcpServer(options.Hostname, options.Port).WithStreamProvider(socket);
        BrokerTls.Apply(builder, options.Tls);
        return builder.Build();
    }

    /// <summary>Connects; a refusal (bad credentials, not authorised) is an exception naming the broker's reason.</summary>
    public static async Task<MqttClientConnectResult> ConnectAsync(IMqttClient client, MqttClientOptions options, CancellationToken cancel)
    {
        var connected = await client.ConnectAsync(options, cancel);
        // MQTTnet reports a refusal as a result, not an exception.
        if (connected.ResultCode != MqttClientConnectResultCode.Success)
            throw new BrokerRefusedException($"broker refused the connection: {connected.ResultCode}" +
                                             (connected.ReasonString is { Length: > 0 } why ? $" ({why})" : ""));
        return connected;
    }

    /// <summary>
    /// A QoS 1 publish of a document about germqtt (status, stats, --check), bounded by the publish
    /// timeout: MQTTnet's own publish would wait for a frozen broker forever.
    /// </summary>
    public static async Task<MqttClientPublishResult> PublishAsync(IMqttClient client, string topic, byte[] payload, bool retain,
        TimeSpan timeout, CancellationToken cancel)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        bounded.CancelAfter(timeout);
        var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag(retain).Build();
        return await client.PublishAsync(message, bounded.Token);
    }
}
