using MQTTnet;
using MQTTnet.Diagnostics.PacketInspection;

namespace Germqtt.Mqtt;

/// <summary>
/// Keeps QoS 2 events in order with many publishes in flight. Mosquitto hands a QoS 2 message on
/// when it receives the PUBREL, and MQTTnet sends each PUBREL from its own continuation, so the
/// PUBRELs of concurrent publishes could leave in any order. MQTTnet awaits packet inspection
/// before it acts on a received packet and inspects an outgoing one under the connection's write
/// lock; so holding each PUBREC until the PUBREL of the one before is being written puts the
/// PUBRELs on the wire in the order of the PUBRECs, which is the order of the PUBLISHes.
/// </summary>
internal sealed class ReleaseOrder
{
    // Fixed-header first bytes (MQTT 3.1.1 and 5, §3.5.1 and §3.6.1).
    private const byte PubRec = 0x50, PubRel = 0x62;

    private readonly TimeSpan _patience;
    private readonly Lock _lock = new();
    private long _received, _released;
    private TaskCompletionSource? _waiter;
    private long _waitingFor;

    private ReleaseOrder(TimeSpan patience) => _patience = patience;

    /// <summary>
    /// Orders <paramref name="client"/>'s PUBRELs; call before connecting. A PUBREC waits at most
    /// <paramref name="patience"/> (the publish timeout, after which the connection is given up anyway).
    /// </summary>
    public static void Attach(IMqttClient client, TimeSpan patience) => client.InspectPacketAsync += new ReleaseOrder(patience).OnPacket;

    private Task OnPacket(InspectMqttPacketEventArgs packet) => (packet.Direction, packet.Buffer) switch
    {
        (MqttPacketFlowDirection.Outbound, [PubRel, ..]) => Released(),
        (MqttPacketFlowDirection.Inbound, [PubRec, ..]) => AfterEarlierReleases(),
        _ => Task.CompletedTask,
    };

    private Task Released()
    {
        TaskCompletionSource? wake = null;
        lock (_lock)
        {
            _released++;
            if (_waiter is not null && _released >= _waitingFor) (wake, _waiter) = (_waiter, null);
        }
        wake?.TrySetResult();
        return Task.CompletedTask;
    }

    /// <summary>Completes once every earlier PUBREC's PUBREL is being written.</summary>
    private Task AfterEarlierReleases()
    {
        lock (_lock)
        {
            long earlier = _received++;
            if (_released >= earlier) return Task.CompletedTask;
            _waitingFor = earlier;
            _waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return PatientlyAsync(_waiter.Task, _patience);
        }
    }

    private static async Task PatientlyAsync(Task release, TimeSpan patience)
    {
        try
        {
            await release.WaitAsync(patience);
        }
        catch (TimeoutException)
        {
            // The publish waiting for that release is overdue by now, and its connection is being given up.
        }
    }
}
