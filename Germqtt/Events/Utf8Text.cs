using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Germqtt.Events;

/// <summary>
/// Text of a JSON string whose bytes may not be valid UTF-8. Each byte that is not part of a valid
/// sequence becomes a lone low surrogate U+DC80–U+DCFF (the "surrogateescape" scheme): no valid UTF-8
/// decodes to one, so the topic mapper can tell such a byte from any real character and write it as %XX.
/// </summary>
public static class Utf8Text
{
    private const char EscapeBase = '\uDC00';

    /// <summary>Decodes <paramref name="bytes"/>, keeping each invalid byte as an escaped one.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (Utf8.IsValid(bytes)) return Encoding.UTF8.GetString(bytes);
        var text = new StringBuilder(bytes.Length);
        while (!bytes.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(bytes, out var rune, out int consumed);
            if (status == OperationStatus.Done)
            {
                text.Append(rune.ToString());
            }
            else
            {
                for (int i = 0; i < consumed; i++) text.Append((char)(EscapeBase + bytes[i]));
            }
            bytes = bytes[consumed..];
        }
        return text.ToString();
    }

    /// <summary>The invalid byte that <paramref name="c"/> stands for, if it is an escaped one.</summary>
    public static byte? EscapedByte(char c) => c is >= '\uDC80' and <= '\uDCFF' ? (byte)(c - EscapeBase) : null;
}
