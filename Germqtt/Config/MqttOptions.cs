using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Germqtt.Config;

/// <summary>[mqtt]: the broker side.</summary>
/// <param name="Topic">Base topic; events go to &lt;topic&gt;/&lt;project&gt;/&lt;type&gt;.</param>
/// <param name="MaxInflight">QoS 1/2 publishes awaiting their acknowledgement at once.</param>
/// <param name="PublishTimeout">A publish not acknowledged by then counts as a broken connection.</param>
/// <param name="Password">Resolved at load from the environment, password_file or password.</param>
/// <param name="MaxPacketSize">Largest PUBLISH packet the broker takes, for brokers that cannot say so (MQTT 3.1.1); null: no limit of our own.</param>
public sealed record MqttOptions(
    string Hostname,
    int Port,
    string Topic,
    TimeSpan Keepalive,
    string? Username,
    string? Password,
    string? PasswordFile,
    MqttTransport Transport,
    string WebSocketPath,
    TlsOptions Tls,
    MqttProtocolVersion Protocol,
    MqttQualityOfServiceLevel Qos,
    string ClientId,
    string StatusTopic,
    int MaxInflight,
    TimeSpan ConnectTimeout,
    TimeSpan PublishTimeout,
    int? MaxPacketSize,
    RetryOptions Retry)
{
    public string Endpoint => Transport == MqttTransport.WebSockets
        ? $"{(Tls.Enabled ? "wss" : "ws")}://{Hostname}:{Port}{WebSocketPath}"
        : $"{Hostname}:{Port}";

    // Records print every member; the password must never reach a log line that way.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Hostname = {Hostname}, Port = {Port}, Topic = {Topic}, Username = {Username}, ");
        builder.Append($"Password = {(Password is null ? "" : "***")}, Qos = {Qos}, ClientId = {ClientId}");
        return true;
    }
}
