namespace Germqtt.Gerrit;

/// <summary>
/// Splits a byte stream on '\n' without decoding it, so every line keeps Gerrit's exact bytes.
/// Reads in large chunks; a line split across reads is joined. A line longer than
/// <c>maxLine</c> bytes is never held whole: it is skipped up to its newline and reported
/// through <c>onTooLong</c> with its length, and the lines after it are delivered as usual.
/// </summary>
public sealed class LineSplitter(int maxLine, Action<byte[]> onLine, Action<long> onTooLong)
{
    private const int ChunkSize = 64 * 1024;

    /// <summary>Reads <paramref name="source"/> to its end; <paramref name="onRead"/> runs after every read.</summary>
    public void Pump(Stream source, Action? onRead = null)
    {
        var buffer = new byte[ChunkSize];
        var partial = new MemoryStream();
        // The length of the line being skipped so far, or -1 when not skipping.
        long skipping = -1;
        int read;
        while ((read = source.Read(buffer, 0, buffer.Length)) > 0)
        {
            onRead?.Invoke();
            int start = 0;
            int newline;
            while ((newline = Array.IndexOf(buffer, (byte)'\n', start, read - start)) >= 0)
            {
                long length = (skipping >= 0 ? skipping : partial.Length) + newline - start;
                if (skipping >= 0 || length > maxLine)
                    onTooLong(length);
                else
                    onLine(Join(partial, buffer.AsSpan(start, newline - start)));
                skipping = -1;
                partial = Reset(partial);
                start = newline + 1;
            }
            int rest = read - start;
            if (skipping >= 0)
            {
                skipping += rest;
            }
            else if (partial.Length + rest > maxLine)
            {
                skipping = partial.Length + rest;
                partial = Reset(partial);
            }
            else
            {
                partial.Write(buffer, start, rest);
            }
        }
        // A stream that ends mid-line still delivers what it sent; the parser decides if it is whole.
        if (skipping >= 0) onTooLong(skipping);
        else if (partial.Length > 0) onLine(partial.ToArray());
    }

    private static byte[] Join(MemoryStream partial, ReadOnlySpan<byte> end)
    {
        if (partial.Length == 0) return end.ToArray();
        partial.Write(end);
        return partial.ToArray();
    }

    /// <summary>Empties the buffer of a joined line; one that grew past a chunk is let go, not kept at its peak.</summary>
    private static MemoryStream Reset(MemoryStream partial)
    {
        if (partial.Capacity > ChunkSize) return new MemoryStream();
        partial.SetLength(0);
        return partial;
    }
}
