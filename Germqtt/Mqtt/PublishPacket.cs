using System.Text;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Germqtt.Mqtt;

/// <summary>The size of the PUBLISH packet that carries an event, to hold it against the broker's limit.</summary>
public static class PublishPacket
{
    /// <summary>Fixed header, topic, packet identifier, (MQTT 5) an empty property list, and the payload.</summary>
    public static long Size(RoutedEvent message, MqttQualityOfServiceLevel qos, MqttProtocolVersion protocol)
    {
        long remaining = 2 + Encoding.UTF8.GetByteCount(message.Topic)
                         + (qos == MqttQualityOfServiceLevel.AtMostOnce ? 0 : 2)
                         + (protocol == MqttProtocolVersion.V500 ? 1 : 0)
                         + message.Payload.Length;
        return 1 + VariableByteIntegerLength(remaining) + remaining;
    }

    private static int VariableByteIntegerLength(long value) => value switch
    {
        < 128 => 1,
        < 16_384 => 2,
        < 2_097_152 => 3,
        _ => 4,
    };
}
