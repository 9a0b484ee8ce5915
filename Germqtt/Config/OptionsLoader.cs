using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Ini;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Germqtt.Config;

/// <summary>
/// Reads the INI file into <see cref="GermqttOptions"/>. Parsing checks every value; the file
/// checks then make sure the files named exist and can be used. Nothing downstream re-checks.
/// </summary>
public static class OptionsLoader
{
    /// <summary>Parses and checks <paramref name="path"/>; throws <see cref="ConfigException"/>.</summary>
    /// <param name="sides">The sides this run connects to; the other side's required keys and files are not asked for.</param>
    public static GermqttOptions Load(string path, string home, string workingDirectory,
        Func<string, string?>? environment = null, SidesInUse? sides = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        sides ??= SidesInUse.Both;
        string fullPath = Path.GetFullPath(PathRules.Expand(path, home, workingDirectory));
        IDictionary<string, string?> ini;
        try
        {
            if (!sides.NeedsFile && !File.Exists(fullPath))
            {
                ini = new Dictionary<string, string?>();
            }
            else
            {
                using var stream = File.OpenRead(fullPath);
                ini = IniStreamConfigurationProvider.Read(stream);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException([ConfigError.Whole($"{fullPath}: cannot read the configuration file: {e.Message}")]);
        }
        catch (FormatException e)
        {
            throw new ConfigException([ConfigError.Whole($"{fullPath}: not a valid INI file: {e.Message}")]);
        }

        var reader = new IniReader(ini, home, workingDirectory, environment);
        var options = Read(reader);
        reader.RejectUnknownKeys();
        var errors = reader.Errors;
        options = Secrets.Resolve(options, environment, errors);
        // The files are checked even when some values are wrong, so one run shows every problem.
        errors.AddRange(FileChecks.Check(options));
        errors.RemoveAll(e => !sides.Gerrit && OnlyNeededToConnect(e, "gerrit") || !sides.Broker && OnlyNeededToConnect(e, "mqtt"));
        if (errors.Count > 0) throw new ConfigException(errors);
        return options;
    }

    /// <summary>A missing key or unusable file of a side this run does not connect to; bad values stay errors.</summary>
    private static bool OnlyNeededToConnect(ConfigError error, string section) =>
        error.Section == section && error.Problem is ConfigProblem.Missing or ConfigProblem.File;

    /// <summary>Turns INI keys ("section:key") into options; files are not looked at.</summary>
    public static (GermqttOptions? Options, List<string> Errors) Parse(
        IDictionary<string, string?> ini, string home, string workingDirectory, Func<string, string?>? environment = null)
    {
        var r = new IniReader(ini, home, workingDirectory, environment ?? (_ => null));
        var options = Read(r);
        r.RejectUnknownKeys();
        return r.Errors.Count == 0 ? (options, []) : (null, [.. r.Errors.Select(e => e.ToString())]);
    }

    /// <summary>Every "section:key" germqtt reads, for documentation checks.</summary>
    public static IReadOnlyCollection<string> Keys()
    {
        var r = new IniReader(new Dictionary<string, string?>(), "/", "/", _ => null);
        Read(r);
        return r.Known;
    }

    /// <summary>[gerrit] http_*: read only when http_url turns catch-up on; the others alone are a mistake.</summary>
    private static EventsLogOptions? EventsLog(IniReader r, string gerritUser)
    {
        var url = r.HttpUrl("gerrit", "http_url");
        var options = new EventsLogOptions(
            Url: url ?? new Uri("http://unset"),
            Username: r.Optional("gerrit", "http_username") ?? gerritUser,
            Password: r.Optional("gerrit", "http_password"),
            PasswordFile: r.OptionalPath("gerrit", "http_password_file"),
            TimeZone: r.TimeZone("gerrit", "events_log_timezone", "UTC"),
            CatchUpMax: r.Seconds("gerrit", "catch_up_max", 86_400, 1));
        if (url is not null) return options;
        if (r.Optional("gerrit", "http_url") is null)
        {
            foreach (var key in (string[])["http_username", "http_password", "http_password_file", "events_log_timezone", "catch_up_max"])
                if (r.Optional("gerrit", key) is not null)
                    r.Errors.Add(new("gerrit", key, "is set but [gerrit] http_url is not (catch-up needs Gerrit's web URL)"));
        }
        return null;
    }

    private static GermqttOptions Read(IniReader r)
    {

        var defaults = new DefaultOptions(
            PidFile: r.OptionalPath("default", "pidfile"),
            BufferSize: r.Int("default", "buffer_size", 60_000, 1, 10_000_000),
            DrainTimeout: r.Seconds("default", "drain_timeout", 10, 0),
            StatsInterval: r.Seconds("default", "stats_interval", 60, 0),
            StateFile: r.OptionalPath("default", "state_file"));

        string gerritUser = r.Required("gerrit", "username");
        string gerritHost = r.Required("gerrit", "hostname");
        int gerritPort = r.Int("gerrit", "port", 29418, 1, 65535);
        var gerrit = new GerritOptions(
            Username: gerritUser,
            Hostname: gerritHost,
            Port: gerritPort,
            Key: r.RequiredPath("gerrit", "key"),
            KeyPassphrase: r.Optional("gerrit", "key_passphrase"),
            KeyPassphraseFile: r.OptionalPath("gerrit", "key_passphrase_file"),
            KnownHosts: r.PathOr("gerrit", "known_hosts", "~/.ssh/known_hosts"),
            HostKeyFingerprint: r.Fingerprint("gerrit", "host_key_fingerprint"),
            InsecureAnyHostKey: r.Bool("gerrit", "insecure_any_host_key", false),
            EventTypes: r.List("gerrit", "event_types", IniReader.EventTypePattern, "event type names (letters, digits and -)"),
            ConnectTimeout: r.Seconds("gerrit", "connect_timeout", 30, 0.001),
            Keepalive: r.Seconds("gerrit", "keepalive", 30, 0),
            LivenessInterval: r.Seconds("gerrit", "liveness_interval", 60, 0),
            MaxEventSize: r.Int("gerrit", "max_event_size", 32 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
            Retry: r.Retry("gerrit"),
            EventsLog: EventsLog(r, gerritUser));

        var tls = new TlsOptions(
            Enabled: r.Bool("mqtt", "tls", false),
            CaCerts: r.OptionalPath("mqtt", "ca_certs"),
            CertFile: r.OptionalPath("mqtt", "certfile"),
            KeyFile: r.OptionalPath("mqtt", "keyfile"),
            Insecure: r.Bool("mqtt", "tls_insecure", false));
        var transport = r.Choice("mqtt", "transport", MqttTransport.Tcp, ("tcp", MqttTransport.Tcp), ("websockets", MqttTransport.WebSockets));
        int defaultPort = (transport, tls.Enabled) switch
        {
            (MqttTransport.Tcp, false) => 1883,
            (MqttTransport.Tcp, true) => 8883,
            (_, false) => 80,
            _ => 443,
        };
        string clientId = r.Optional("mqtt", "client_id") ?? $"germqtt-{Environment.MachineName}";
        var mqtt = new MqttOptions(
            Hostname: r.Required("mqtt", "hostname"),
            Port: r.Int("mqtt", "port", defaultPort, 1, 65535),
            Topic: r.BaseTopic("mqtt", "topic", "gerrit"),
            Keepalive: r.Seconds("mqtt", "keepalive", 60, 0, 65535),
            Username: r.Optional("mqtt", "username"),
            Password: r.Optional("mqtt", "password"),
            PasswordFile: r.OptionalPath("mqtt", "password_file"),
            Transport: transport,
            WebSocketPath: r.WebSocketPath("mqtt", "websocket_path", "/mqtt"),
            Tls: tls,
            Protocol: r.Choice("mqtt", "protocol", MqttProtocolVersion.V311, ("3.1.1", MqttProtocolVersion.V311), ("5", MqttProtocolVersion.V500)),
            Qos: (MqttQualityOfServiceLevel)r.Int("mqtt", "qos", 0, 0, 2),
            ClientId: clientId,
            StatusTopic: r.BaseTopic("mqtt", "status_topic", $"germqtt/{clientId}/status"),
            MaxInflight: r.Int("mqtt", "max_inflight", 20, 1, 65535),
            ConnectTimeout: r.Seconds("mqtt", "connect_timeout", 30, 0.001),
            PublishTimeout: r.Seconds("mqtt", "publish_timeout", 30, 0.001),
            // The MQTT limit is 256 MiB; below 128 bytes no event would fit.
            MaxPacketSize: r.Int("mqtt", "max_packet_size", 0, 128, 268_435_455) is > 0 and var max ? max : null,
            Retry: r.Retry("mqtt"));

        if (Secrets.PasswordGiven(mqtt, r.Environment) && mqtt.Username is null)
            r.Errors.Add(new("mqtt", "password", "is set but [mqtt] username is not"));
        if ((tls.CertFile is null) != (tls.KeyFile is null))
            r.Errors.Add(new("mqtt", "certfile", "certfile and keyfile go together (a client certificate needs its key)"));
        if (!tls.Enabled && (tls.CaCerts ?? tls.CertFile ?? tls.KeyFile) is not null || !tls.Enabled && tls.Insecure)
            r.Errors.Add(new("mqtt", "tls", "ca_certs, certfile, keyfile and tls_insecure need tls = true"));
        var filter = new FilterOptions(
            IncludeProjects: r.List("filter", "include_projects"),
            ExcludeProjects: r.List("filter", "exclude_projects"),
            ExcludeRefs: r.List("filter", "exclude_refs"),
            PublishPrivate: r.Bool("filter", "publish_private", false),
            RedactFields: r.List("filter", "redact_fields", IniReader.MemberNamePattern, "JSON member names"));
        return new GermqttOptions(defaults, gerrit, mqtt, filter);
    }
}
