namespace Germqtt.Mqtt;

public sealed class BrokerRefusedException(string message) : Exception(message);
