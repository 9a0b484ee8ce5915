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
        string eventsLog = "OK";
        if (options.Gerrit.EventsLog is { } log)
        {
            using var client = new EventsLogClient(log, options.Gerrit.MaxEventSize, options.Gerrit.ConnectTimeout);
            eventsLog = await EventsLogAsync(client, cancel);
            output.WriteLine($"events-log {client.Endpoint}: {eventsLog}");
        }
        string mqtt = await BrokerAsync(options, cancel);
        output.WriteLine($"mqtt {options.Mqtt.Endpoint}: {mqtt}");
        return new[] { gerrit, eventsLog, mqtt }.All(r => r.StartsWith("OK", StringComparison.Ordinal));
    }

    /// <summary>Asks for the last minute's events: the URL, the credentials and the plugin all have to be right.</summary>
    private static async Task<string> EventsLogAsync(EventsLogClient client, CancellationToken cancel)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        try
        {
            var events = await client.FetchAsync(now - 60, now, cancel);
            return $"OK ({events.Count} events in the last minute)";
        }
        catch (EventsLogException e)
        {
            return "FAILED: " + e.Message;
        }
    }

    private static async Task<string> GerritAsync(GerritOptions o, CancellationToken cancel)
    {
        try
        {
            using var session = GerritSession.Create(o, Log.Silent);
            await session.Client.ConnectAsync(cancel);
            var (ok, text) = await VersionProbe.RunAsync(session.Client, o.ConnectTimeout, cancel);
            return ok ? $"OK ({text})" : $"FAILED: `{VersionProbe.Command}` failed: {text}";
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancel.IsCancellationRequested)
        {
            return "FAILED: " + StreamEnd.Describe(e).Reason;
        }
    }

    private static async Task<string> BrokerAsync(GermqttOptions o, CancellationToken cancel)
    {
        try
        {
            using var client = new MqttClientFactory().CreateMqttClient();
            var status = new StatusDocument(o.Gerrit.Endpoint, DateTimeOffset.UtcNow);
            await BrokerConnection.ConnectAsync(client, BrokerConnection.Options(o.Mqtt, status, new BrokerSocket(), o.Mqtt.ClientId + "-check"), cancel);
            var published = await BrokerConnection.PublishAsync(client, $"{o.Mqtt.StatusTopic}/check", "check"u8.ToArray(), retain: false,
                o.Mqtt.PublishTimeout, cancel);
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), cancel);
            return published.IsSuccess ? "OK" : $"FAILED: the broker refused a publish to {o.Mqtt.StatusTopic}/check: {published.ReasonCode}";
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancel.IsCancellationRequested)
        {
            return "FAILED: " + MqttPublisher.Describe(e);
        }
    }
}
