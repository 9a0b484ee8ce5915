using System.Text.Json;

namespace Germqtt.Completeness;

/// <summary>
/// Events a stop could not deliver (the broker away past the drain deadline), kept beside the
/// state file and published first at the next start. One JSON object per line:
/// {"topic": "…", "payload": "&lt;base64&gt;", "created": S, "identity": "…", "notice": false}.
/// The file is removed once everything in it was delivered.
/// </summary>
public sealed class Spool(string path, Log log)
{
    private int _left;

    public string Path => path;

    /// <summary>Writes <paramref name="events"/> (replacing any older spool); nothing when there are none.</summary>
    public void Write(IReadOnlyCollection<RoutedEvent> events)
    {
        if (events.Count == 0)
        {
            File.Delete(path);
            return;
        }
        using var buffer = new MemoryStream();
        foreach (var message in events)
        {
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("topic", message.Topic);
                writer.WriteBase64String("payload", message.Payload);
                if (message.Stamp is { } stamp)
                {
                    writer.WriteNumber("created", stamp.CreatedOn);
                    writer.WriteString("identity", stamp.Identity);
                }
                writer.WriteBoolean("notice", message.IsNotice);
                writer.WriteEndObject();
            }
            buffer.WriteByte((byte)'\n');
        }
        StateFile.Replace(path, buffer.ToArray());
        log.Info($"spooled {events.Count} undelivered events to {path}; they are published first at the next start");
    }

    /// <summary>The spooled events, in their order; empty when there is no spool. A bad line is skipped and logged.</summary>
    public List<RoutedEvent> Read()
    {
        var events = new List<RoutedEvent>();
        if (!File.Exists(path)) return events;
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            try
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                EventStamp? stamp = root.TryGetProperty("identity", out var identity)
                    ? new EventStamp(root.GetProperty("created").GetInt64(), Text(identity))
                    : null;
                events.Add(new RoutedEvent(Text(root.GetProperty("topic")), root.GetProperty("payload").GetBytesFromBase64(),
                    stamp, root.TryGetProperty("notice", out var notice) && notice.GetBoolean(), FromSpool: true));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                log.Warning($"spool {path}: line {lineNumber} skipped: {e.Message}");
            }
        }
        _left = events.Count;
        log.Info($"publishing {events.Count} events spooled by the last run from {path}");
        return events;
    }

    /// <summary>A string member's value; a null one makes the line bad rather than an event without topic or identity.</summary>
    private static string Text(JsonElement value) => value.GetString() ?? throw new FormatException("null where a string belongs");

    /// <summary>A spooled event was delivered; the spool goes once all were.</summary>
    public void Delivered(RoutedEvent message)
    {
        if (!message.FromSpool || Interlocked.Decrement(ref _left) != 0) return;
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Warning($"spool {path} not removed: {e.Message}; its events may be published again at the next start");
        }
    }
}
