namespace Germqtt.Config;

/// <summary>[gerrit]: the SSH side.</summary>
/// <param name="KnownHosts">OpenSSH known_hosts file the server key must be listed in.</param>
/// <param name="HostKeyFingerprint">"SHA256:…" pin; when set it replaces the known_hosts check.</param>
/// <param name="ConnectTimeout">TCP connect, key exchange, authentication and channel-open wait.</param>
/// <param name="Keepalive">Interval of SSH keepalive messages; zero turns them off.</param>
/// <param name="LivenessInterval">Silence after which Gerrit is asked whether it still answers; zero turns it off.</param>
/// <param name="KeyPassphrase">Resolved at load from the environment, key_passphrase_file or key_passphrase.</param>
/// <param name="InsecureAnyHostKey">Accept whatever key the server shows: only for tests and emergencies.</param>
/// <param name="MaxEventSize">Longest event line in bytes; a longer one is skipped and counted malformed.</param>
/// <param name="EventsLog">Where missed events are caught up from; null when [gerrit] http_url is not set.</param>
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
    RetryOptions Retry,
    EventsLogOptions? EventsLog = null)
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
