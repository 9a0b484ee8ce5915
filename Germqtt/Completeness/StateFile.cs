using System.Text.Json;

namespace Germqtt.Completeness;

/// <summary>
/// [default] state_file: where the last run left off, as
/// {"version": 1, "last": S, "identities": ["…", …]}: the creation time of the last event the
/// broker acknowledged and the identities of the events of that second that it acknowledged.
/// Replaced atomically (temporary file, fsync, rename), so a crash leaves the old or the new one.
/// </summary>
public sealed class StateFile(string path)
{
    public string Path => path;

    /// <summary>The saved state; null when there is none. A file that cannot be read is reported, not fatal.</summary>
    public (long Last, IReadOnlyList<string> Identities)? Load(Log log)
    {
        try
        {
            if (!File.Exists(path)) return null;
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            long last = root.GetProperty("last").GetInt64();
            var identities = root.TryGetProperty("identities", out var ids)
                // A null would reach the ledger as a key and stop the start.
                ? ids.EnumerateArray().Select(i => i.GetString() ?? throw new FormatException("an identity is null")).ToList()
                : [];
            return (last, identities);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            log.Warning($"state file {path} cannot be read ({e.Message}); starting without it: nothing can be caught up from before this start");
            return null;
        }
    }

    public void Save(long last, IEnumerable<string> identities)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("version", 1);
            writer.WriteNumber("last", last);
            writer.WriteStartArray("identities");
            foreach (var identity in identities) writer.WriteStringValue(identity);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        Replace(path, buffer.ToArray());
    }

    /// <summary>Writes <paramref name="content"/> to a temporary file, syncs it and renames it over <paramref name="target"/>.</summary>
    internal static void Replace(string target, byte[] content)
    {
        string temporary = target + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(content);
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, target, overwrite: true);
    }
}
