using MQTTnet.Protocol;

namespace Germqtt;

/// <summary>The whole configuration, validated once by <see cref="OptionsLoader"/>.</summary>
public sealed record GermqttOptions(DefaultOptions Default, GerritOptions Gerrit, MqttOptions Mqtt);

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
public sealed record GerritOptions(
    string Username,
    string Hostname,
    int Port,
    string Key,
    string KnownHosts,
    string? HostKeyFingerprint,
    TimeSpan ConnectTimeout,
    TimeSpan Keepalive,
    TimeSpan LivenessInterval,
    RetryOptions Retry)
{
    public string Endpoint => $"{Hostname}:{Port}";
}

/// <summary>[mqtt]: the broker side.</summary>
/// <param name="Topic">Base topic; events go to &lt;topic&gt;/&lt;project&gt;/&lt;type&gt;.</param>
/// <param name="MaxInflight">QoS 1/2 publishes awaiting their acknowledgement at once.</param>
/// <param name="PublishTimeout">A publish not acknowledged by then counts as a broken connection.</param>
public sealed record MqttOptions(
    string Hostname,
    int Port,
    string Topic,
    TimeSpan Keepalive,
    string? Username,
    string? Password,
    MqttQualityOfServiceLevel Qos,
    string ClientId,
    int MaxInflight,
    TimeSpan ConnectTimeout,
    TimeSpan PublishTimeout,
    RetryOptions Retry)
{
    public string Endpoint => $"{Hostname}:{Port}";

    // Records print every member; the password must never reach a log line that way.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Hostname = {Hostname}, Port = {Port}, Topic = {Topic}, Username = {Username}, ");
        builder.Append($"Password = {(Password is null ? "" : "***")}, Qos = {Qos}, ClientId = {ClientId}");
        return true;
    }
}

/// <summary>Reconnect delays of one side: exponential with full jitter, capped.</summary>
/// <param name="Initial">The cap of the first delay.</param>
/// <param name="Max">The cap of every delay; a connection that stayed up this long resets the sequence.</param>
public sealed record RetryOptions(TimeSpan Initial, TimeSpan Max);
