using System.Text.Json;

namespace Germqtt.Events;

/// <summary>
/// [filter] redact_fields: removes members with these names wherever they occur, by cutting
/// their bytes out of the line. Everything else keeps Gerrit's bytes, order and escaping.
/// </summary>
public sealed class JsonRedactor(IReadOnlyList<string> names)
{
    private readonly byte[][] _names = [.. names.Select(n => System.Text.Encoding.UTF8.GetBytes(n))];

    public bool IsEnabled => _names.Length > 0;

    /// <summary>The line without the named members; the same array when there was nothing to remove.</summary>
    public byte[] Redact(byte[] line)
    {
        List<(int Start, int End)>? cuts = null;
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 256 });
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName || !Wanted(ref reader)) continue;
            int start = (int)reader.TokenStartIndex;
            reader.Read();
            reader.Skip();
            (cuts ??= []).Add(WithComma(line, start, (int)reader.BytesConsumed));
        }
        return cuts is null ? line : Cut(line, cuts);
    }

    private bool Wanted(ref Utf8JsonReader reader)
    {
        foreach (var name in _names)
            if (reader.ValueTextEquals(name)) return true;
        return false;
    }

    /// <summary>A member and one of its separating commas: the one before it, else the one after.</summary>
    private static (int, int) WithComma(byte[] line, int start, int end)
    {
        int before = start - 1;
        while (before >= 0 && IsSpace(line[before])) before--;
        if (before >= 0 && line[before] == (byte)',') return (before, end);
        int after = end;
        while (after < line.Length && IsSpace(line[after])) after++;
        return after < line.Length && line[after] == (byte)',' ? (start, after + 1) : (start, end);
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    private static byte[] Cut(byte[] line, List<(int Start, int End)> cuts)
    {
        var kept = new MemoryStream(line.Length);
        int at = 0;
        foreach (var (start, end) in cuts)
        {
            // Two neighbours may both claim the comma between them.
            if (start > at) kept.Write(line, at, start - at);
            at = Math.Max(at, end);
        }
        kept.Write(line, at, line.Length - at);
        return kept.ToArray();
    }
}
