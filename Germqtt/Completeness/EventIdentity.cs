using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace Germqtt.Completeness;

/// <summary>
/// Recognises an event by what Gerrit put in it, not by its bytes: the events-log plugin stores its
/// own serialisation, so the same event comes back with other member order, escaping and spacing.
/// The identity is a hash of the event's members in a canonical form (names sorted, strings by
/// value, nulls left out). Of <c>change</c> and <c>patchSet</c>, which are snapshots of the change
/// rather than what happened, only the members that name them count: project, branch, number and
/// Change-Id, patch set number and revision. The creation time is kept beside the hash
/// ("hash@seconds"), so the same content made twice (a second "recheck" comment) is two events.
/// </summary>
public static class EventIdentity
{
    private static readonly string[] ChangeKey = ["project", "branch", "id", "number"];
    private static readonly string[] PatchSetKey = ["number", "revision"];

    /// <summary>
    /// The event's stamp; null when the line is not a JSON object with a numeric eventCreatedOn (or,
    /// given <paramref name="arrival"/>, a JSON object at all), or holds a string that is not valid
    /// UTF-8 (kept by the reader, but it has no value to compare).
    /// </summary>
    /// <param name="arrival">
    /// For an event without eventCreatedOn: when it arrived (Unix seconds). The events-log stamps
    /// such an event with the moment it stored it, so it is known by that second, give or take one.
    /// </param>
    public static EventStamp? Of(ReadOnlyMemory<byte> line, long? arrival = null)
    {
        try
        {
            using var document = JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = 256 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            if (!root.TryGetProperty("eventCreatedOn", out var created) || created.ValueKind != JsonValueKind.Number)
                return arrival is { } at ? new EventStamp(at, $"{Hash(root)}@{at}", Approximate: true) : null;
            // As the stream reader takes it (GerritEvent): 1e300 is no time, not long.MaxValue.
            long? createdOn = created.TryGetInt64(out long whole) ? whole
                : created.TryGetDouble(out double d) && Math.Abs(d) < 1e15 ? (long)Math.Floor(d) : null;
            return createdOn is { } seconds ? new EventStamp(seconds, $"{Hash(root)}@{seconds}") : null;
        }
        catch (Exception e) when (e is JsonException or ArgumentException or FormatException or OverflowException or InvalidOperationException)
        {
            return null;
        }
    }

    private static string Hash(JsonElement root)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var writer = new CanonicalWriter(hash);
        writer.Object(root, (name, value) => name switch
        {
            "change" => Only(value, ChangeKey),
            "patchSet" => Only(value, PatchSetKey),
            // Kept beside the hash, exactly or approximately: see Of.
            "eventCreatedOn" => default,
            _ => value,
        });
        // 128 bits: collisions among a day of events are out of reach; the text is short to store.
        return Convert.ToHexStringLower(hash.GetHashAndReset(), 0, 16);
    }

    /// <summary>The object reduced to <paramref name="members"/>; any other value as it is.</summary>
    private static JsonElement Only(JsonElement value, string[] members)
    {
        if (value.ValueKind != JsonValueKind.Object) return value;
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var property in value.EnumerateObject().Where(p => members.Contains(p.Name)))
                property.WriteTo(writer);
            writer.WriteEndObject();
        }
        using var reduced = JsonDocument.Parse(buffer.ToArray());
        return reduced.RootElement.Clone();
    }

    /// <summary>Feeds a value to the hash in one spelling whatever the serialiser's habits.</summary>
    private sealed class CanonicalWriter(IncrementalHash hash)
    {
        public void Object(JsonElement element, Func<string, JsonElement, JsonElement> select)
        {
            Append("{");
            foreach (var property in element.EnumerateObject()
                         .Where(p => p.Value.ValueKind != JsonValueKind.Null)
                         .OrderBy(p => p.Name, StringComparer.Ordinal))
            {
                var value = select(property.Name, property.Value);
                if (value.ValueKind == JsonValueKind.Undefined) continue;
                String(property.Name);
                Append(":");
                Value(value);
                Append(",");
            }
            Append("}");
        }

        private void Value(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    Object(element, (_, value) => value);
                    break;
                case JsonValueKind.Array:
                    Append("[");
                    foreach (var item in element.EnumerateArray())
                    {
                        Value(item);
                        Append(",");
                    }
                    Append("]");
                    break;
                case JsonValueKind.String:
                    String(element.GetString()!);
                    break;
                case JsonValueKind.Number:
                    Append(Number(element.GetRawText()));
                    break;
                default:
                    Append(element.GetRawText());
                    break;
            }
        }

        /// <summary>1, 1.0 and 1e0 are one number.</summary>
        private static string Number(string raw) =>
            raw.AsSpan().IndexOfAny(".eE") < 0 ? raw
            : double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d.ToString("R", CultureInfo.InvariantCulture)
            : raw;

        private void String(string value)
        {
            // Length-prefixed: no separator inside a value can make two values read as one.
            Append($"{value.Length}\"");
            Append(value);
        }

        private void Append(string text) => hash.AppendData(System.Text.Encoding.UTF8.GetBytes(text));
    }
}
