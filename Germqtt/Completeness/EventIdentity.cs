using System.Buffers;
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
        // The canonical form is written whole and hashed once: hashing token by token cost a call
        // into the crypto library per token, most of a catch-up's CPU per event.
        var writer = new CanonicalWriter();
        writer.Object(root, name => name switch
        {
            "change" => ChangeKey,
            "patchSet" => PatchSetKey,
            _ => null,
        }, skip: "eventCreatedOn"); // Kept beside the hash, exactly or approximately: see Of.
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(writer.Written, digest);
        // 128 bits: collisions among a day of events are out of reach; the text is short to store.
        return Convert.ToHexStringLower(digest[..16]);
    }

    /// <summary>Writes a value in one spelling whatever the serialiser's habits.</summary>
    private sealed class CanonicalWriter
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(4096);

        public ReadOnlySpan<byte> Written => _buffer.WrittenSpan;

        /// <param name="only">For a member's value that is an object: the members of it that count (null: all).</param>
        /// <param name="keep">The members of this object that count (null: all).</param>
        /// <param name="skip">A member of this object that does not count.</param>
        public void Object(JsonElement element, Func<string, string[]?> only, string[]? keep = null, string? skip = null)
        {
            var members = new List<(string Name, JsonElement Value, int Index)>();
            foreach (var property in element.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.Null) continue;
                string name = property.Name;
                if (name == skip) continue;
                if (keep is null || keep.Contains(name)) members.Add((name, property.Value, members.Count));
            }
            // Stable, as OrderBy was: members of one name (a duplicated key) keep their order.
            members.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name) is var c && c != 0 ? c : a.Index.CompareTo(b.Index));
            Append("{"u8);
            foreach (var (name, value, _) in members)
            {
                String(name);
                Append(":"u8);
                if (only(name) is { } kept && value.ValueKind == JsonValueKind.Object)
                    Object(value, _ => null, kept);
                else
                    Value(value);
                Append(","u8);
            }
            Append("}"u8);
        }

        private void Value(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    Object(element, _ => null);
                    break;
                case JsonValueKind.Array:
                    Append("["u8);
                    foreach (var item in element.EnumerateArray())
                    {
                        Value(item);
                        Append(","u8);
                    }
                    Append("]"u8);
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
            // Length-prefixed (in UTF-16 code units): no separator inside a value can make two values read as one.
            Span<byte> digits = stackalloc byte[11];
            value.Length.TryFormat(digits, out int written, provider: CultureInfo.InvariantCulture);
            Append(digits[..written]);
            Append("\""u8);
            Append(value);
        }

        private void Append(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);

        private void Append(string text)
        {
            var span = _buffer.GetSpan(System.Text.Encoding.UTF8.GetMaxByteCount(text.Length));
            _buffer.Advance(System.Text.Encoding.UTF8.GetBytes(text, span));
        }
    }
}
