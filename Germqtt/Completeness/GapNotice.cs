using System.Text.Json;

namespace Germqtt.Completeness;

/// <summary>What consumers are told about a gap, on &lt;status_topic&gt;/gap.</summary>
public static class GapNotice
{
    public const string Subtopic = "gap";

    /// <summary>{"from": S, "to": S, "complete": BOOL, "recovered": N, "reason": "..."}</summary>
    public static byte[] Document(Gap gap, bool complete, long recovered)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("from", gap.From);
            writer.WriteNumber("to", gap.To);
            writer.WriteBoolean("complete", complete);
            writer.WriteNumber("recovered", recovered);
            writer.WriteString("reason", gap.Reason);
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
