using System.Buffers;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Germqtt.Tests.Fixtures;

/// <summary>A PUBLISH the in-process broker saw: on which connection, and whether it took it.</summary>
public sealed record Attempt(int Connection, string Topic, byte[] Payload, bool Taken);

/// <summary>
/// An MQTT broker inside the test process (MQTTnet.Server), for faults a real Mosquitto cannot be
/// made to show on cue: closing the connection on one event, refusing one topic with a reason
/// code, announcing a small Receive Maximum or Maximum Packet Size, withholding acknowledgements.
/// Everything germqtt sends is recorded in arrival order.
/// </summary>
public sealed class InProcessBroker : IAsyncDisposable
{
    private readonly MqttServer _server;
    private readonly List<Attempt> _attempts = [];
    private readonly ChangeSignal _changed = new();
    private int _connections;

    private InProcessBroker(MqttServer server, int port)
    {
        _server = server;
        Port = port;
        server.ClientConnectedAsync += _ =>
        {
            Interlocked.Increment(ref _connections);
            _changed.Fire();
            return Task.CompletedTask;
        };
        server.InterceptingPublishAsync += OnPublish;
        server.InterceptingOutboundPacketAsync += OnOutbound;
    }

    public static string Host => "127.0.0.1";
    public int Port { get; }

    /// <summary>Connections accepted so far; the first is 1.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>The broker closes the connection, without taking it, on a publish this accepts.</summary>
    public Func<Attempt, bool> CloseConnectionOn { get; set; } = _ => false;

    /// <summary>MQTT 5: the reason code to refuse a publish with, or null to take it.</summary>
    public Func<Attempt, MqttPubAckReasonCode?> Refuse { get; set; } = _ => null;

    /// <summary>Announced in every CONNACK (MQTT 5 only); 0 announces nothing.</summary>
    public ushort ReceiveMaximum { get; set; }

    /// <summary>Announced in every CONNACK (MQTT 5 only); 0 announces nothing.</summary>
    public uint MaximumPacketSize { get; set; }

    /// <summary>On these connections no publish is acknowledged (PUBACK, PUBREC).</summary>
    public Func<int, bool> WithholdAcknowledgementsOn { get; set; } = _ => false;

    public IReadOnlyList<Attempt> Attempts
    {
        get { lock (_attempts) return [.. _attempts]; }
    }

    /// <summary>The publishes the broker took, in arrival order.</summary>
    public IReadOnlyList<Attempt> Taken => [.. Attempts.Where(a => a.Taken)];

    public static async Task<InProcessBroker> StartAsync()
    {
        int port = FreePort.Next();
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(System.Net.IPAddress.Loopback)
            .WithDefaultEndpointPort(port)
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(options);
        var broker = new InProcessBroker(server, port);
        await server.StartAsync();
        return broker;
    }

    /// <summary>Waits until <paramref name="condition"/> holds for what the broker has seen.</summary>
    public async Task WaitUntilAsync(Func<InProcessBroker, bool> condition, TimeSpan timeout, string what, Func<string>? detail = null)
    {
        if (await _changed.WaitUntilAsync(() => condition(this), timeout)) return;
        Assert.Fail($"timed out after {timeout.TotalSeconds:0.###} s waiting for {what}\n{Describe()}" + (detail is null ? "" : "\n" + detail()));
    }

    public string Describe() =>
        $"in-process broker: {Connections} connections; publishes seen:\n" +
        string.Join("\n", Attempts.Select(a => $"  #{a.Connection} {(a.Taken ? "taken  " : "refused")} {a.Topic} ({a.Payload.Length} bytes)"));

    private Task OnPublish(InterceptingPublishEventArgs e)
    {
        // The topics of germqtt's own status documents are not events.
        if (e.ApplicationMessage.Topic.Contains("/status", StringComparison.Ordinal)) return Task.CompletedTask;
        var attempt = new Attempt(Connections, e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray(), true);
        if (CloseConnectionOn(attempt))
        {
            e.CloseConnection = true;
            e.ProcessPublish = false;
            attempt = attempt with { Taken = false };
        }
        else if (Refuse(attempt) is { } reason)
        {
            e.ProcessPublish = false;
            e.Response.ReasonCode = reason;
            attempt = attempt with { Taken = false };
        }
        lock (_attempts) _attempts.Add(attempt);
        _changed.Fire();
        return Task.CompletedTask;
    }

    private Task OnOutbound(InterceptingPacketEventArgs e)
    {
        switch (e.Packet)
        {
            case MqttConnAckPacket connAck:
                if (ReceiveMaximum > 0) connAck.ReceiveMaximum = ReceiveMaximum;
                if (MaximumPacketSize > 0) connAck.MaximumPacketSize = MaximumPacketSize;
                break;
            case MqttPubAckPacket or MqttPubRecPacket when WithholdAcknowledgementsOn(Connections):
                e.ProcessPacket = false;
                break;
        }
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync(new MqttServerStopOptions());
        _server.Dispose();
    }
}
