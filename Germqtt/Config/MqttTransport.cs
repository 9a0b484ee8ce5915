namespace Germqtt.Config;

public enum MqttTransport { Tcp, WebSockets }
