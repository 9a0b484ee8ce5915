using System.Text.RegularExpressions;

namespace Germqtt.Tests.Fixtures;

/// <summary>One example from README.md: its name, the fence's language and the code as printed.</summary>
public sealed record Recipe(string Name, string Language, string Code)
{
    public const string ExampleHost = "firehose.example.org";
    public const int ExamplePort = 1883;
    public const int ExampleWebsocketsPort = 80;
    public const string ExampleClientId = "dashboard.example.org";

    /// <summary>
    /// The code pointed at a test broker: only the host, the ports and (for the persistent
    /// recipes, which may run side by side) the client id change.
    /// </summary>
    public string For(string host, int port, int websocketsPort, string? clientId = null)
    {
        string code = Code
            .Replace($"ws://{ExampleHost}:{ExampleWebsocketsPort}/", $"ws://{host}:{websocketsPort}/")
            .Replace($"-h {ExampleHost} -p {ExamplePort}", $"-h {host} -p {port}")
            .Replace($"\"{ExampleHost}\", {ExamplePort}", $"\"{host}\", {port}");
        if (code.Contains(ExampleHost)) throw new InvalidOperationException($"recipe {Name}: {ExampleHost} left after substitution:\n{code}");
        return clientId is null ? code : code.Replace(ExampleClientId, clientId);
    }
}

/// <summary>
/// The examples of README.md's "Consuming the firehose": each fenced block that follows an
/// `&lt;!-- recipe: NAME --&gt;` line. Tests run them as they are printed, so the docs cannot rot.
/// </summary>
public static partial class ReadmeRecipes
{
    public static string ReadmePath => Path.Combine(Repo.Root, "README.md");

    public static IReadOnlyDictionary<string, Recipe> All()
    {
        var recipes = new Dictionary<string, Recipe>();
        foreach (Match m in Marked().Matches(File.ReadAllText(ReadmePath)))
        {
            var recipe = new Recipe(m.Groups["name"].Value, m.Groups["lang"].Value, m.Groups["code"].Value);
            if (!recipes.TryAdd(recipe.Name, recipe)) throw new InvalidOperationException($"README.md has two recipes named {recipe.Name}");
        }
        return recipes;
    }

    public static Recipe Named(string name) =>
        All().TryGetValue(name, out var recipe) ? recipe : throw new InvalidOperationException($"README.md has no recipe {name}");

    /// <summary>The mqtt.js version the README tells readers to install (`npm install mqtt@X.Y.Z`).</summary>
    public static string MqttJsPackage()
    {
        var m = NpmInstall().Match(File.ReadAllText(ReadmePath));
        if (!m.Success) throw new InvalidOperationException("README.md names no `npm install mqtt@VERSION`");
        return m.Groups[1].Value;
    }

    [GeneratedRegex(@"^<!-- recipe: (?<name>[a-z-]+) -->\n```(?<lang>[a-z]+)\n(?<code>.*?)^```$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Marked();

    [GeneratedRegex(@"npm install (mqtt@\d+\.\d+\.\d+)")]
    private static partial Regex NpmInstall();
}
