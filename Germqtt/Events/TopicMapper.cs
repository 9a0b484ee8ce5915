using System.Text;

namespace Germqtt.Events;

/// <summary>
/// &lt;base&gt;/&lt;project&gt;/&lt;type&gt;. Slashes in a project name stay topic levels; an event
/// without a project gets an empty level (&lt;base&gt;//&lt;type&gt;), as the original germqtt did.
/// </summary>
public static class TopicMapper
{
    /// <summary>The MQTT limit on a topic's encoded length.</summary>
    public const int MaxTopicBytes = 65_535;

    public static string Map(string baseTopic, GerritEvent gerritEvent) =>
        $"{baseTopic}/{Escape(gerritEvent.Project ?? "")}/{Escape(gerritEvent.Type)}";

    /// <summary>
    /// A published topic may not hold the wildcards + and # or NUL (MQTT 3.1.1 §4.7), and should not
    /// hold control characters (U+0001–U+001F, U+007F–U+009F) or Unicode noncharacters (§1.5.3), which
    /// Mosquitto answers by closing the connection. Each is written as its UTF-8 bytes in %XX form, and
    /// so is every byte of the level that was not valid UTF-8 (see <see cref="Utf8Text"/>). Everything
    /// else, '%' included, passes unchanged, so the common case costs nothing.
    /// </summary>
    public static string Escape(string level)
    {
        int first = 0;
        while (first < level.Length && !NeedsEscape(level, first, out _)) first += Width(level, first);
        if (first == level.Length) return level;
        var escaped = new StringBuilder(level.Length + 8).Append(level, 0, first);
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = first; i < level.Length; i += Width(level, i))
        {
            if (!NeedsEscape(level, i, out var rune))
                escaped.Append(level, i, Width(level, i));
            else if (Utf8Text.EscapedByte(level[i]) is { } raw)
                AppendPercent(escaped, [raw]);
            else
                AppendPercent(escaped, utf8[..rune.EncodeToUtf8(utf8)]);
        }
        return escaped.ToString();
    }

    public static bool FitsMqtt(string topic) => Encoding.UTF8.GetByteCount(topic) <= MaxTopicBytes;

    /// <summary>Whether the character at <paramref name="i"/> must be written as %XX; <paramref name="rune"/> is it.</summary>
    private static bool NeedsEscape(string level, int i, out Rune rune)
    {
        char c = level[i];
        // The common case: printable ASCII other than the wildcards.
        if (c is >= ' ' and < '\u007f')
        {
            rune = new Rune(c);
            return c is '+' or '#';
        }
        if (Rune.TryGetRuneAt(level, i, out rune))
            return rune.Value is <= 0x1F or (>= 0x7F and <= 0x9F) || IsNoncharacter(rune.Value);
        // A lone surrogate: an invalid byte kept by Utf8Text, written as that byte.
        rune = Rune.ReplacementChar;
        return true;
    }

    private static int Width(string level, int i) =>
        char.IsHighSurrogate(level[i]) && i + 1 < level.Length && char.IsLowSurrogate(level[i + 1]) ? 2 : 1;

    /// <summary>U+FDD0–U+FDEF, and the last two code points of every plane (U+FFFE, U+1FFFF, …).</summary>
    private static bool IsNoncharacter(int codePoint) =>
        codePoint is >= 0xFDD0 and <= 0xFDEF || (codePoint & 0xFFFE) == 0xFFFE;

    private static void AppendPercent(StringBuilder escaped, ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes) escaped.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
    }
}
