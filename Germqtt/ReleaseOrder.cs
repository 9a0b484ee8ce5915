using MQTTnet;
using MQTTnet.Diagnostics.PacketInspection;

namespace Germqtt;

/// <summary>
/// Keeps QoS 2 events in order with more than one publish under way. Mosquitto delivers a QoS 2
/// message when it receives the PUBREL, and MQTTnet sends each PUBREL from its own continuation,
/// so the PUBRELs of publishes in flight together can leave in any order. Starting the next
/// publish only once the previous PUBREL is being written fixes the order by causality: the next
/// PUBREC, and so its PUBREL, cannot come before. Each event then costs one round trip instead
/// of two, as its PUBLISH travels with the previous event's PUBREL.
/// </summary>
internal sealed class ReleaseOrder
{
    // PUBREL's fixed header: packet type 6, flags 0010 (MQTT 3.1.1 §3.6.1, MQTT 5 §3.6.1).
    private const byte PubRel = 0x62;

    private long _released;
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Watches <paramref name="client"/>'s outgoing packets; inspection runs under its write lock.</summary>
    public ReleaseOrder(IMqttClient client) => client.InspectPacketAsync += OnPacket;

    /// <summary>PUBRELs handed to the connection so far.</summary>
    public long Released => Volatile.Read(ref _released);

    /// <summary>Completes at the next PUBREL. Take it before reading <see cref="Released"/>, or a release may slip between.</summary>
    public Task NextRelease => Volatile.Read(ref _next).Task;

    private Task OnPacket(InspectMqttPacketEventArgs packet)
    {
        if (packet.Direction == MqttPacketFlowDirection.Outbound && packet.Buffer is [PubRel, ..])
        {
            Interlocked.Increment(ref _released);
            Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
        return Task.CompletedTask;
    }
}
