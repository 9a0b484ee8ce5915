namespace Germqtt.Tests.Fixtures;

/// <summary>
/// The `mosquitto` class as tests declare it for a throwaway root: no package or service,
/// every path below the root, loopback ports, a file log of everything, and (run as root) files
/// the broker can read without switching user. Everything else keeps the module's defaults.
/// </summary>
public static class MosquittoManifest
{
    /// <summary>The directories the class needs to exist below the root.</summary>
    public static readonly string[] Directories = ["/etc", "/var", "/var/lib", "/var/lib/mosquitto", "/var/log", "/var/log/mosquitto"];

    public const string LogFile = "/var/log/mosquitto/mosquitto.log";

    /// <summary><paramref name="more"/> are further parameter lines, e.g. <c>publishers => {...},</c>.</summary>
    public static string Class(PuppetRoot root, int port, int websocketsPort, params string[] more)
    {
        string R(string path) => PuppetTools.Quote(root.P(path));
        string extra = string.Concat(more.Select(line => "\n  " + line));
        return $$"""
            class { 'mosquitto':
              manage_package       => false,
              manage_service       => false,
              group                => 'root',
              run_as_user          => 'root',
              config_dir           => {{R("/etc/mosquitto")}},
              config_file          => {{R("/etc/mosquitto/mosquitto.conf")}},
              password_file        => {{R("/etc/mosquitto/passwd")}},
              acl_file             => {{R("/etc/mosquitto/acl")}},
              listen_address       => '127.0.0.1',
              port                 => {{port}},
              websockets_port      => {{websocketsPort}},
              persistence_location => {{R("/var/lib/mosquitto")}},
              log_dest             => 'file',
              log_file             => {{R(LogFile)}},
              log_types            => ['all'],{{extra}}
            }
            """;
    }
}
