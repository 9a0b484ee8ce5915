using System.Buffers;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Germqtt.Tests.Fixtures;

/// <summary>One message as the broker delivered it; <see cref="Payload"/> holds the bytes from the wire.</summary>
public sealed record Received(string Topic, byte[] Payload, bool Retain)
{
    public string Text => Encoding.UTF8.GetString(Payload);

    public override string ToString() => $"{Topic} {(Retain ? "[retained] " : "")}{Text}";
}

/// <summary>
/// A subscriber that records everything it receives, in arrival order. MQTT 3.1.1 with a clean
/// session, like the subscribers of the original germqtt.
/// </summary>
public sealed class MqttProbe : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    private readonly IMqttClient client;
    private readonly MqttClientOptions options;
    private readonly string topicFilter;
    private readonly MqttQualityOfServiceLevel qos;
    private readonly List<Received> messages = [];
    private readonly ChangeSignal changed = new();

    private MqttProbe(string host, int port, string topicFilter, MqttQualityOfServiceLevel qos, string? sessionId = null)
    {
        this.topicFilter = topicFilter;
        this.qos = qos;
        options = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            // MQTTnet 5 speaks MQTT 5 unless told otherwise.
            .WithProtocolVersion(MqttProtocolVersion.V311)
            // A named session survives a broker restart (with persistence on): the broker queues for it.
            .WithCleanSession(sessionId is null)
            .WithClientId(sessionId ?? "probe-" + Guid.NewGuid().ToString("N"))
            .WithTimeout(ConnectTimeout)
            .Build();
        client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            var m = e.ApplicationMessage;
            lock (messages) messages.Add(new Received(m.Topic, m.Payload.ToArray(), m.Retain));
            changed.Fire();
            return Task.CompletedTask;
        };
    }

    public string TopicFilter => topicFilter;
    public bool IsConnected => client.IsConnected;

    /// <summary>A snapshot of everything received so far, in arrival order.</summary>
    public IReadOnlyList<Received> Messages
    {
        get
        {
            lock (messages) return messages.ToArray();
        }
    }

    public static async Task<MqttProbe> StartAsync(
        string host, int port, string topicFilter = "#",
        MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.ExactlyOnce, string? sessionId = null)
    {
        var probe = new MqttProbe(host, port, topicFilter, qos, sessionId);
        try
        {
            await probe.ConnectAsync();
            return probe;
        }
        catch
        {
            await probe.DisposeAsync();
            throw;
        }
    }

    public static Task<MqttProbe> StartAsync(
        Mosquitto broker, string topicFilter = "#",
        MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.ExactlyOnce) =>
        StartAsync(Mosquitto.Host, broker.Port, topicFilter, qos);

    /// <summary>
    /// A subscriber with a persistent session named <paramref name="sessionId"/>: what is published
    /// while it is away (or while the broker restarts from its persistence file) is queued for it.
    /// </summary>
    public static Task<MqttProbe> StartPersistentAsync(
        Mosquitto broker, string sessionId, string topicFilter,
        MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce) =>
        StartAsync(Mosquitto.Host, broker.Port, topicFilter, qos, sessionId);

    /// <summary>Reconnects until the broker takes the connection, e.g. while it restarts.</summary>
    public async Task ReconnectUntilAsync(TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await ReconnectAsync();
                return;
            }
            catch (Exception) when (clock.Elapsed < timeout)
            {
                await Task.Delay(20);
            }
        }
    }

    /// <summary>
    /// Connects and subscribes again, e.g. after the broker was restarted. Clean session:
    /// whatever was published while the probe was away is not delivered.
    /// </summary>
    public async Task ReconnectAsync()
    {
        if (client.IsConnected) await client.DisconnectAsync();
        await ConnectAsync();
    }

    /// <summary>Waits until at least <paramref name="count"/> messages have arrived; fails listing what did.</summary>
    public async Task WaitForCountAsync(int count, TimeSpan timeout)
    {
        if (await changed.WaitUntilAsync(() => Count >= count, timeout)) return;
        Assert.Fail($"MQTT probe ({topicFilter}) got {Count} of {count} message(s) within {timeout.TotalSeconds:0.###} s"
                    + Environment.NewLine + Describe());
    }

    /// <summary>Forgets what was received, so later waits count from zero.</summary>
    public void Clear()
    {
        lock (messages) messages.Clear();
    }

    public string Describe()
    {
        var snapshot = Messages;
        return $"probe connected: {IsConnected}, {snapshot.Count} message(s):"
               + string.Concat(snapshot.Select((m, i) => $"{Environment.NewLine}  [{i}] {m}"));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            // Bounded: a frozen broker never answers the DISCONNECT.
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            if (client.IsConnected) await client.DisconnectAsync(new MqttClientDisconnectOptions(), cts.Token);
        }
        catch (Exception)
        {
            // The broker may already be dead or frozen; the socket goes with the client anyway.
        }
        client.Dispose();
    }

    private int Count
    {
        get
        {
            lock (messages) return messages.Count;
        }
    }

    private async Task ConnectAsync()
    {
        using var cts = new CancellationTokenSource(ConnectTimeout);
        await client.ConnectAsync(options, cts.Token);
        var result = await client.SubscribeAsync(topicFilter, qos, cts.Token);
        var code = result.Items.Single().ResultCode;
        if ((int)code > (int)MqttClientSubscribeResultCode.GrantedQoS2)
            throw new InvalidOperationException($"subscribing to {topicFilter} failed: {code}");
    }
}
