using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Ini;
using MQTTnet.Protocol;

namespace Germqtt;

/// <summary>A configuration that cannot run; every problem found, each naming its [section] key.</summary>
public sealed class ConfigException(IReadOnlyList<string> errors)
    : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}

/// <summary>
/// Reads the INI file into <see cref="GermqttOptions"/>. Parsing checks every value; the file
/// checks then make sure the files named exist and can be used. Nothing downstream re-checks.
/// </summary>
public static class OptionsLoader
{
    /// <summary>Parses and checks <paramref name="path"/>; throws <see cref="ConfigException"/>.</summary>
    public static GermqttOptions Load(string path, string home, string workingDirectory)
    {
        string fullPath = Path.GetFullPath(PathRules.Expand(path, home, workingDirectory));
        IDictionary<string, string?> ini;
        try
        {
            using var stream = File.OpenRead(fullPath);
            ini = IniStreamConfigurationProvider.Read(stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException([$"{fullPath}: cannot read the configuration file: {e.Message}"]);
        }
        catch (FormatException e)
        {
            throw new ConfigException([$"{fullPath}: not a valid INI file: {e.Message}"]);
        }

        var reader = new IniReader(ini, home, workingDirectory);
        var options = Read(reader);
        reader.RejectUnknownKeys();
        // The files are checked even when some values are wrong, so one run shows every problem.
        var errors = reader.Errors.Concat(FileChecks.Check(options)).ToList();
        if (errors.Count > 0) throw new ConfigException(errors);
        return options;
    }

    /// <summary>Turns INI keys ("section:key") into options; files are not looked at.</summary>
    public static (GermqttOptions? Options, List<string> Errors) Parse(
        IDictionary<string, string?> ini, string home, string workingDirectory)
    {
        var r = new IniReader(ini, home, workingDirectory);
        var options = Read(r);
        r.RejectUnknownKeys();
        return r.Errors.Count == 0 ? (options, r.Errors) : (null, r.Errors);
    }

    /// <summary>Every "section:key" germqtt reads, for documentation checks.</summary>
    public static IReadOnlyCollection<string> Keys()
    {
        var r = new IniReader(new Dictionary<string, string?>(), "/", "/");
        Read(r);
        return r.Known;
    }

    private static GermqttOptions Read(IniReader r)
    {

        var defaults = new DefaultOptions(
            PidFile: r.OptionalPath("default", "pidfile"),
            BufferSize: r.Int("default", "buffer_size", 60_000, 1, 10_000_000),
            DrainTimeout: r.Seconds("default", "drain_timeout", 10, 0),
            StatsInterval: r.Seconds("default", "stats_interval", 60, 0));

        string gerritHost = r.Required("gerrit", "hostname");
        int gerritPort = r.Int("gerrit", "port", 29418, 1, 65535);
        var gerrit = new GerritOptions(
            Username: r.Required("gerrit", "username"),
            Hostname: gerritHost,
            Port: gerritPort,
            Key: r.RequiredPath("gerrit", "key"),
            KnownHosts: r.PathOr("gerrit", "known_hosts", "~/.ssh/known_hosts"),
            HostKeyFingerprint: r.Fingerprint("gerrit", "host_key_fingerprint"),
            ConnectTimeout: r.Seconds("gerrit", "connect_timeout", 30, 0.001),
            Keepalive: r.Seconds("gerrit", "keepalive", 30, 0),
            LivenessInterval: r.Seconds("gerrit", "liveness_interval", 60, 0),
            Retry: r.Retry("gerrit"));

        var mqtt = new MqttOptions(
            Hostname: r.Required("mqtt", "hostname"),
            Port: r.Int("mqtt", "port", 1883, 1, 65535),
            Topic: r.BaseTopic("mqtt", "topic", "gerrit"),
            Keepalive: r.Seconds("mqtt", "keepalive", 60, 0, 65535),
            Username: r.Optional("mqtt", "username"),
            Password: r.Secret("mqtt", "password"),
            Qos: (MqttQualityOfServiceLevel)r.Int("mqtt", "qos", 0, 0, 2),
            ClientId: r.Optional("mqtt", "client_id") ?? $"germqtt-{Environment.MachineName}",
            MaxInflight: r.Int("mqtt", "max_inflight", 20, 1, 65535),
            ConnectTimeout: r.Seconds("mqtt", "connect_timeout", 30, 0.001),
            PublishTimeout: r.Seconds("mqtt", "publish_timeout", 30, 0.001),
            Retry: r.Retry("mqtt"));

        if (mqtt.Password is not null && mqtt.Username is null)
            r.Errors.Add("[mqtt] password: is set but [mqtt] username is not");
        return new GermqttOptions(defaults, gerrit, mqtt);
    }
}
