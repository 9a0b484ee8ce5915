using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Germqtt.Config;

/// <summary>The whole configuration, validated once by <see cref="OptionsLoader"/>.</summary>
public sealed record GermqttOptions(DefaultOptions Default, GerritOptions Gerrit, MqttOptions Mqtt, FilterOptions Filter);

/// <summary>[filter]: which events reach the bus, and what of them. Applied before the buffer.</summary>
/// <param name="IncludeProjects">When not empty, only projects matching one of these globs.</param>
/// <param name="ExcludeRefs">ref-updated events for refs matching these globs are dropped.</param>
/// <param name="PublishPrivate">Publish events of private changes too (off: the bus is public).</param>
/// <param name="RedactFields">JSON members removed wherever they occur, e.g. email.</param>
public sealed record FilterOptions(
    IReadOnlyList<string> IncludeProjects,
    IReadOnlyList<string> ExcludeProjects,
    IReadOnlyList<string> ExcludeRefs,
    bool PublishPrivate,
    IReadOnlyList<string> RedactFields);

/// <summary>[default]: the process and the buffer between the two sides.</summary>
/// <param name="PidFile">Written at start and removed at exit; none when empty.</param>
/// <param name="BufferSize">Events held while the broker is away; the oldest go first when full.</param>
/// <param name="DrainTimeout">How long a stop may spend delivering what is buffered.</param>
/// <param name="StatsInterval">How often counters are logged; zero turns it off.</param>
public sealed record DefaultOptions(
    string? PidFile,
    int BufferSize,
    TimeSpan DrainTimeout,
    TimeSpan StatsInterval);

/// <summary>[gerrit]: the SSH side.</summary>
/// <param name="KnownHosts">OpenSSH known_hosts file the server key must be listed in.</param>
/// <param name="HostKeyFingerprint">"SHA256:…" pin; when set it replaces the known_hosts check.</param>
/// <param name="ConnectTimeout">TCP connect, key exchange, authentication and channel-open wait.</param>
/// <param name="Keepalive">Interval of SSH keepalive messages; zero turns them off.</param>
/// <param name="LivenessInterval">Silence after which Gerrit is asked whether it still answers; zero turns it off.</param>
/// <param name="KeyPassphrase">Resolved at load from the environment, key_passphrase_file or key_passphrase.</param>
/// <param name="InsecureAnyHostKey">Accept whatever key the server shows: only for tests and emergencies.</param>
/// <param name="MaxEventSize">Longest event line in bytes; a longer one is skipped and counted malformed.</param>
public sealed record GerritOptions(
    string Username,
    string Hostname,
    int Port,
    string Key,
    string? KeyPassphrase,
    string? KeyPassphraseFile,
    string KnownHosts,
    string? HostKeyFingerprint,
    bool InsecureAnyHostKey,
    IReadOnlyList<string> EventTypes,
    TimeSpan ConnectTimeout,
    TimeSpan Keepalive,
    TimeSpan LivenessInterval,
    int MaxEventSize,
    RetryOptions Retry)
{
    public string Endpoint => $"{Hostname}:{Port}";

    // Records print every member; a passphrase must never reach a log line that way.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Username = {Username}, Hostname = {Hostname}, Port = {Port}, Key = {Key}, ");
        builder.Append($"KeyPassphrase = {(KeyPassphrase is null ? "" : "***")}, KnownHosts = {KnownHosts}");
        return true;
    }
}

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

public enum MqttTransport { Tcp, WebSockets }

/// <summary>TLS to the broker; the server certificate and its host name are checked unless <see cref="Insecure"/>.</summary>
/// <param name="CaCerts">PEM file of the CAs to trust instead of the system's.</param>
/// <param name="CertFile">PEM client certificate, with <see cref="KeyFile"/>, for brokers that require one.</param>
public sealed record TlsOptions(bool Enabled, string? CaCerts, string? CertFile, string? KeyFile, bool Insecure);

/// <summary>Reconnect delays of one side: exponential with full jitter, capped.</summary>
/// <param name="Initial">The cap of the first delay.</param>
/// <param name="Max">The cap of every delay; a connection that stayed up this long resets the sequence.</param>
public sealed record RetryOptions(TimeSpan Initial, TimeSpan Max);
