using MQTTnet;

namespace Germqtt.Host;

/// <summary>
/// --check: connects to each side once, as the bridge would, and prints one line per side with
/// OK or the reason. Publishes nothing retained, and uses its own client id, so a running
/// germqtt is not disturbed.
/// </summary>
public static class ConnectionCheck
{
    public static async Task<bool> RunAsync(GermqttOptions options, TextWriter output, CancellationToken cancel)
    {
        string gerrit = await GerritAsync(options.Gerrit, cancel);
        output.WriteLine($"gerrit {options.Gerrit.Endpoint}: {gerrit}");
        string mqtt = await BrokerAsync(options, cancel);
        output.WriteLine($"mqtt {options.Mqtt.Endpoint}: {mqtt}");
        return gerrit.StartsWith("OK", StringComparison.Ordinal) && mqtt.StartsWith("OK", StringComparison.Ordinal);
    }

    private static async Task<string> GerritAsync(GerritOptions o, CancellationToken cancel)
    {
        try
        {
            using var session = GerritSession.Create(o, Log.Silent);
            await session.Client.ConnectAsync(cancel);
            using var version = session.Client.CreateCommand(GerritStream.Probe);
            version.CommandTimeout = o.ConnectTimeout;
            await version.ExecuteAsync(cancel).WaitAsync(o.ConnectTimeout, cancel);
            return version.ExitStatus == 0
                ? $"OK ({version.Result.Trim()})"
                : $"FAILED: `{GerritStream.Probe}` failed: {version.Error.Trim()}";
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancel.IsCancellationRequested)
        {
            return "FAILED: " + GerritStream.Describe(e).Reason;
        }
    }

    private static async Task<string> BrokerAsync(GermqttOptions o, CancellationToken cancel)
    {
        try
        {
            using var client = new MqttClientFactory().CreateMqttClient();
            var status = new StatusDocument(o.Gerrit.Endpoint, DateTimeOffset.UtcNow);
            await BrokerConnection.ConnectAsync(client, BrokerConnection.Options(o.Mqtt, status, new BrokerSocket(), o.Mqtt.ClientId + "-check"), cancel);
            var probe = new MqttApplicationMessageBuilder().WithTopic($"{o.Mqtt.StatusTopic}/check").WithPayload("check"u8.ToArray())
                .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build();
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            bounded.CancelAfter(o.Mqtt.PublishTimeout);
            var published = await client.PublishAsync(probe, bounded.Token);
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), cancel);
            return published.IsSuccess ? "OK" : $"FAILED: the broker refused a publish to {o.Mqtt.StatusTopic}/check: {published.ReasonCode}";
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancel.IsCancellationRequested)
        {
            return "FAILED: " + MqttPublisher.Describe(e);
        }
    }
}
