using MQTTnet.Exceptions;

namespace Germqtt.Mqtt;

/// <summary>The broker is full right now (MQTT 5): the event is not at fault, and is sent again.</summary>
internal sealed class QuotaExceededException() : MqttCommunicationException("broker quota exceeded");
