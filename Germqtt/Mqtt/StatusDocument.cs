using System.Reflection;
using System.Text.Json;

namespace Germqtt.Mqtt;

/// <summary>The JSON documents germqtt publishes about itself on [mqtt] status_topic.</summary>
public sealed class StatusDocument(string gerrit, DateTimeOffset started)
{
    public static string Version { get; } =
        typeof(StatusDocument).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public byte[] Online() => State("online");

    public byte[] Offline() => State("offline");

    private byte[] State(string state) => Write(w =>
    {
        w.WriteString("state", state);
        w.WriteString("version", Version);
        w.WriteString("gerrit", gerrit);
        w.WriteString("started", started.ToString("yyyy-MM-ddTHH:mm:ssZ"));
    });

    /// <summary>The live counters, on &lt;status_topic&gt;/stats.</summary>
    public static byte[] Stats(Counters c, int buffered, ConnectionStatus status) => Write(w =>
    {
        w.WriteNumber("read", c.Read);
        w.WriteNumber("published", c.Published);
        w.WriteNumber("malformed", c.Malformed);
        w.WriteNumber("filtered", c.Filtered);
        w.WriteNumber("dropped_private", c.DroppedPrivate);
        w.WriteNumber("redacted", c.Redacted);
        w.WriteNumber("dropped_output", c.DroppedOutput);
        w.WriteNumber("buffered", buffered);
        w.WriteNumber("overflowed", c.Overflowed);
        w.WriteNumber("rejected", c.Rejected);
        w.WriteNumber("gaps", c.Gaps);
        w.WriteNumber("recovered", c.Recovered);
        w.WriteNumber("duplicates", c.Duplicates);
        w.WriteNumber("gerrit_reconnects", c.GerritReconnects);
        w.WriteNumber("mqtt_reconnects", c.MqttReconnects);
        if (c.SecondsSinceLastEvent is { } quiet) w.WriteNumber("seconds_since_last_event", Math.Round(quiet, 3));
        else w.WriteNull("seconds_since_last_event");
        w.WriteString("gerrit", status.GerritUp ? "connected" : "reconnecting");
        w.WriteString("mqtt", status.MqttUp ? "connected" : "reconnecting");
    });

    private static byte[] Write(Action<Utf8JsonWriter> members)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            members(writer);
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
