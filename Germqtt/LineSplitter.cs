namespace Germqtt;

/// <summary>
/// Splits a byte stream on '\n' without decoding it, so every line keeps Gerrit's exact bytes.
/// Reads in large chunks; a line split across reads is joined.
/// </summary>
public static class LineSplitter
{
    public static void Pump(Stream source, Action<byte[]> onLine)
    {
        var buffer = new byte[64 * 1024];
        var partial = new MemoryStream();
        int read;
        while ((read = source.Read(buffer, 0, buffer.Length)) > 0)
        {
            int start = 0;
            int newline;
            while ((newline = Array.IndexOf(buffer, (byte)'\n', start, read - start)) >= 0)
            {
                byte[] line;
                if (partial.Length == 0)
                {
                    line = buffer.AsSpan(start, newline - start).ToArray();
                }
                else
                {
                    partial.Write(buffer, start, newline - start);
                    line = partial.ToArray();
                    partial.SetLength(0);
                }
                onLine(line);
                start = newline + 1;
            }
            partial.Write(buffer, start, read - start);
        }
        // A stream that ends mid-line still delivers what it sent; the parser decides if it is whole.
        if (partial.Length > 0) onLine(partial.ToArray());
    }
}
