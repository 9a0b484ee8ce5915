namespace Germqtt.Tests.Fixtures;

/// <summary>The checkout the tests were built from, found from the test assembly's location.</summary>
internal static class Repo
{
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Germqtt.sln"))) return dir.FullName;
            }
            throw new InvalidOperationException(
                $"no Germqtt.sln in {AppContext.BaseDirectory} or any directory above it");
        }
    }

    public static string ScriptPath(string name)
    {
        string path = Path.Combine(Root, "scripts", name);
        if (!File.Exists(path)) throw new FileNotFoundException($"test script not found: {path}", path);
        return path;
    }
}
