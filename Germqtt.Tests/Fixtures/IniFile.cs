using System.Text;

namespace Germqtt.Tests.Fixtures;

/// <summary>Writes germqtt INI files: [default], [gerrit] and [mqtt] sections of key = value lines.</summary>
public static class IniFile
{
    /// <summary>Renders sections in the order given, keys in insertion order.</summary>
    public static string Render(IReadOnlyDictionary<string, Dictionary<string, string>> sections)
    {
        var text = new StringBuilder();
        foreach (var (section, keys) in sections)
        {
            if (text.Length > 0) text.Append('\n');
            text.Append('[').Append(section).Append("]\n");
            foreach (var (key, value) in keys) text.Append(key).Append(" = ").Append(value).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Writes the rendered sections to <paramref name="path"/> and returns it.</summary>
    public static string Write(IReadOnlyDictionary<string, Dictionary<string, string>> sections, string path)
    {
        File.WriteAllText(path, Render(sections));
        return path;
    }

    /// <summary>The sections that point germqtt at <paramref name="gerrit"/> and <paramref name="broker"/>.</summary>
    public static Dictionary<string, Dictionary<string, string>> BridgeSections(
        TestGerrit gerrit, Mosquitto broker, string topic = "gerrit", int qos = 0) =>
        BridgeSections(gerrit, Mosquitto.Host, broker.Port, topic, qos);

    /// <summary>The sections that point germqtt at <paramref name="gerrit"/> and the broker at <paramref name="brokerHost"/>:<paramref name="brokerPort"/>.</summary>
    public static Dictionary<string, Dictionary<string, string>> BridgeSections(
        TestGerrit gerrit, string brokerHost, int brokerPort, string topic, int qos) =>
        new()
        {
            ["default"] = [],
            ["gerrit"] = new()
            {
                ["username"] = TestGerrit.Username,
                ["hostname"] = TestGerrit.Host,
                ["port"] = gerrit.Port.ToString(),
                ["key"] = gerrit.KeyPath,
                ["known_hosts"] = gerrit.KnownHostsPath,
            },
            ["mqtt"] = new()
            {
                ["hostname"] = brokerHost,
                ["port"] = brokerPort.ToString(),
                ["topic"] = topic,
                ["qos"] = qos.ToString(),
            },
        };

    /// <summary>
    /// Writes a bridge config into the test Gerrit's dir (removed with it) and returns its path.
    /// <paramref name="tweak"/> may add, change or remove sections and keys before it is written;
    /// an empty section is written as a bare header.
    /// </summary>
    public static string ForBridge(
        TestGerrit gerrit, Mosquitto broker, string topic = "gerrit", int qos = 0,
        Action<Dictionary<string, Dictionary<string, string>>>? tweak = null)
    {
        var sections = BridgeSections(gerrit, broker, topic, qos);
        tweak?.Invoke(sections);
        string path = Path.Combine(gerrit.Dir, $"germqtt-{Guid.NewGuid():N}.ini");
        return Write(sections, path);
    }
}
