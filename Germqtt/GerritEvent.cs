using System.Text.Json;

namespace Germqtt;

/// <summary>
/// One line of `gerrit stream-events`: the bytes exactly as Gerrit sent them, plus the two fields
/// routing needs. Nothing else of the JSON is interpreted.
/// </summary>
public sealed record GerritEvent(byte[] Line, string Type, string? Project)
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
            problem = Read(line, out string? type, out string? project);
            if (problem is null) gerritEvent = new GerritEvent(line, type!, project);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            problem = $"not valid JSON: {e.Message}";
        }
        return gerritEvent is not null;
    }

    private static string? Read(byte[] line, out string? type, out string? project)
    {
        type = null;
        project = null;
        if (line.Length == 0) return "empty line";
        string? topProject = null, changeProject = null, refProject = null, projectName = null;
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 256 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            return "not a JSON object";

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8)) type = StringOrSkip(ref reader) ?? type;
            else if (reader.ValueTextEquals("project"u8)) topProject = ProjectValue(ref reader) ?? topProject;
            else if (reader.ValueTextEquals("change"u8)) changeProject = NestedProject(ref reader) ?? changeProject;
            else if (reader.ValueTextEquals("refUpdate"u8)) refProject = NestedProject(ref reader) ?? refProject;
            else if (reader.ValueTextEquals("projectName"u8)) projectName = StringOrSkip(ref reader) ?? projectName;
            else { reader.Read(); reader.Skip(); }
        }
        // Reading on to the end makes the reader reject trailing garbage after the object.
        while (reader.Read()) { }

        project = topProject ?? changeProject ?? refProject ?? projectName;
        return string.IsNullOrEmpty(type) ? "no string \"type\" member" : null;
    }

    /// <summary>Moves onto the value; returns it when it is a string, skips it otherwise.</summary>
    private static string? StringOrSkip(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String) return reader.GetString();
        reader.Skip();
        return null;
    }

    /// <summary>A project is a string, or (webhooks plugin form) an object with a string name.</summary>
    private static string? ProjectValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String) return reader.GetString();
        if (reader.TokenType != JsonTokenType.StartObject) { reader.Skip(); return null; }
        return MemberOfObject(ref reader, "name"u8);
    }

    private static string? NestedProject(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject) { reader.Skip(); return null; }
        return MemberOfObject(ref reader, "project"u8);
    }

    /// <summary>With the reader on a StartObject: the first string member named <paramref name="name"/>; leaves the reader on the EndObject.</summary>
    private static string? MemberOfObject(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        string? found = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool wanted = found is null && reader.ValueTextEquals(name);
            reader.Read();
            if (wanted && reader.TokenType == JsonTokenType.String) found = reader.GetString();
            else reader.Skip();
        }
        return found;
    }
}
