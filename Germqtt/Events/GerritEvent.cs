using System.Buffers;
using System.Text.Json;

namespace Germqtt.Events;

/// <summary>
/// One line of `gerrit stream-events`: the bytes exactly as Gerrit sent them, plus the two fields
/// routing needs. Nothing else of the JSON is interpreted.
/// </summary>
/// <param name="RefName">refUpdate.refName of a ref-updated event.</param>
/// <param name="IsPrivate">The change is private (change.private is true).</param>
/// <param name="CreatedOn">eventCreatedOn: when Gerrit made the event, in Unix seconds.</param>
public sealed record GerritEvent(byte[] Line, string Type, string? Project, string? RefName = null, bool IsPrivate = false, long? CreatedOn = null)
{
    /// <summary>
    /// Reads <paramref name="line"/> (without its newline). The project is the first string found in
    /// top-level project (or project.name), change.project, refUpdate.project, projectName.
    /// </summary>
    public static bool TryParse(byte[] line, out GerritEvent? gerritEvent, out string? problem)
    {
        gerritEvent = null;
        try
        {
            problem = Read(line, out var fields);
            if (problem is null) gerritEvent = new GerritEvent(line, fields.Type!, fields.Project, fields.RefName, fields.IsPrivate, fields.CreatedOn);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            problem = $"not valid JSON: {e.Message}";
        }
        return gerritEvent is not null;
    }

    /// <summary>The members routing and filtering look at, as found in one line.</summary>
    private struct Fields
    {
        public string? Type, TopProject, ProjectName, RefName;
        public long? CreatedOn;
        public Nested Change, RefUpdate;
        public readonly string? Project => TopProject ?? Change.Project ?? RefUpdate.Project ?? ProjectName;
        public readonly bool IsPrivate => Change.Private;
    }

    private struct Nested
    {
        public string? Project, RefName;
        public bool Private;
    }

    private static string? Read(byte[] line, out Fields fields)
    {
        fields = default;
        if (line.Length == 0) return "empty line";
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 256 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            return "not a JSON object";

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8)) fields.Type = StringOrSkip(ref reader) ?? fields.Type;
            else if (reader.ValueTextEquals("project"u8)) fields.TopProject = ProjectValue(ref reader) ?? fields.TopProject;
            else if (reader.ValueTextEquals("change"u8)) fields.Change = NestedFields(ref reader);
            else if (reader.ValueTextEquals("refUpdate"u8)) fields.RefUpdate = NestedFields(ref reader);
            else if (reader.ValueTextEquals("projectName"u8)) fields.ProjectName = StringOrSkip(ref reader) ?? fields.ProjectName;
            else if (reader.ValueTextEquals("eventCreatedOn"u8)) fields.CreatedOn = Seconds(ref reader) ?? fields.CreatedOn;
            else { reader.Read(); reader.Skip(); }
        }
        // Reading on to the end makes the reader reject trailing garbage after the object.
        while (reader.Read()) { }

        fields.RefName = fields.RefUpdate.RefName;
        return string.IsNullOrEmpty(fields.Type) ? "no string \"type\" member" : null;
    }

    /// <summary>
    /// The string token's text. Gerrit's names are not bound to valid UTF-8; an invalid byte is kept
    /// (escaped, see <see cref="Utf8Text"/>) rather than making the whole event malformed.
    /// </summary>
    private static string Text(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped) return Utf8Text.Decode(reader.ValueSpan);
        // Unescaping never makes a string longer than its escaped form.
        byte[] unescaped = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
        try
        {
            return Utf8Text.Decode(unescaped.AsSpan(0, reader.CopyString(unescaped)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(unescaped);
        }
    }

    /// <summary>Moves onto the value; returns it when it is a string, skips it otherwise.</summary>
    private static string? StringOrSkip(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String) return Text(ref reader);
        reader.Skip();
        return null;
    }

    /// <summary>Moves onto the value; returns it when it is a number of seconds, skips it otherwise.</summary>
    private static long? Seconds(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Number)
            return reader.TryGetInt64(out long whole) ? whole : reader.TryGetDouble(out double d) && Math.Abs(d) < 1e15 ? (long)Math.Floor(d) : null;
        reader.Skip();
        return null;
    }

    /// <summary>A project is a string, or (webhooks plugin form) an object with a string name.</summary>
    private static string? ProjectValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String) return Text(ref reader);
        if (reader.TokenType != JsonTokenType.StartObject) { reader.Skip(); return null; }
        return MemberOfObject(ref reader, "name"u8);
    }

    /// <summary>project, refName and private of a change or refUpdate object; nothing deeper.</summary>
    private static Nested NestedFields(ref Utf8JsonReader reader)
    {
        var nested = new Nested();
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject) { reader.Skip(); return nested; }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("project"u8)) nested.Project ??= StringOrSkip(ref reader);
            else if (reader.ValueTextEquals("refName"u8)) nested.RefName ??= StringOrSkip(ref reader);
            else if (reader.ValueTextEquals("private"u8))
            {
                reader.Read();
                nested.Private |= reader.TokenType == JsonTokenType.True;
                reader.Skip();
            }
            else { reader.Read(); reader.Skip(); }
        }
        return nested;
    }

    /// <summary>With the reader on a StartObject: the first string member named <paramref name="name"/>; leaves the reader on the EndObject.</summary>
    private static string? MemberOfObject(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        string? found = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool wanted = found is null && reader.ValueTextEquals(name);
            reader.Read();
            if (wanted && reader.TokenType == JsonTokenType.String) found = Text(ref reader);
            else reader.Skip();
        }
        return found;
    }
}
