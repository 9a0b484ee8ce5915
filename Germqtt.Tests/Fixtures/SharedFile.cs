namespace Germqtt.Tests.Fixtures;

/// <summary>Reads a file that a daemon keeps appending to (a log, commands.log, a marker) while tests read.</summary>
internal static class SharedFile
{
    /// <summary>The file as it is now, or "" when there is none (yet).</summary>
    public static string ReadAllText(string? path)
    {
        if (path is null || !File.Exists(path)) return "";
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
