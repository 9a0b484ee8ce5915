namespace Germqtt.Config;

/// <summary>How paths in the configuration are read: "~" is the home directory, relative is from the working directory.</summary>
public static class PathRules
{
    public static string Expand(string path, string home, string workingDirectory)
    {
        if (path.Length == 0) return path;
        if (path == "~") return home;
        if (path.StartsWith("~/", StringComparison.Ordinal)) path = Path.Combine(home, path[2..]);
        return Path.GetFullPath(path, workingDirectory);
    }
}
