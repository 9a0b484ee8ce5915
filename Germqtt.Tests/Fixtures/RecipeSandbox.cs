namespace Germqtt.Tests.Fixtures;

/// <summary>
/// Runs README recipes as a reader would: the shell one under bash, Python under Debian's
/// python3 (which has python3-paho-mqtt), JavaScript under Node with the mqtt.js version the
/// README names, installed here with npm, and C# with `dotnet run` of a file-based app. Files
/// go to a temp dir that goes with the sandbox.
/// </summary>
public sealed class RecipeSandbox : IDisposable
{
    private static readonly TimeSpan NpmTimeout = TimeSpan.FromMinutes(3);
    private readonly SemaphoreSlim npmOnce = new(1, 1);
    private bool npmInstalled;

    public string Dir { get; } = Directory.CreateTempSubdirectory("germqtt-recipes-").FullName;

    /// <summary>Starts <paramref name="recipe"/> against the given broker; it runs until disposed.</summary>
    public async Task<CapturedProcess> StartAsync(Recipe recipe, string host, int port, int websocketsPort, string? clientId = null)
    {
        string code = recipe.For(host, port, websocketsPort, clientId);
        string file(string extension)
        {
            string path = Path.Combine(Dir, $"{recipe.Name}-{Guid.NewGuid():N}.{extension}");
            File.WriteAllText(path, code);
            return path;
        }
        switch (recipe.Language)
        {
            case "sh":
                return CapturedProcess.Start(PuppetTools.Require("bash"), ["-c", code], Dir);
            case "python":
                return CapturedProcess.Start(DebianPython(), [file("py")], Dir);
            case "js":
                await InstallMqttJsAsync();
                return CapturedProcess.Start(PuppetTools.Require("node"), [file("js")], Dir);
            case "csharp":
                // A directory of its own: a file-based app builds into a cache keyed by its path.
                string app = Directory.CreateDirectory(Path.Combine(Dir, $"{recipe.Name}-{Guid.NewGuid():N}")).FullName;
                File.WriteAllText(Path.Combine(app, "firehose.cs"), code);
                return CapturedProcess.Start(GermqttProcess.DotnetHost(), ["run", "firehose.cs"], app,
                    new Dictionary<string, string?> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" });
            default:
                throw new InvalidOperationException($"recipe {recipe.Name}: no runner for ```{recipe.Language}");
        }
    }

    /// <summary>`npm install mqtt@VERSION` into the sandbox, once, where `require("mqtt")` in its files finds it.</summary>
    private async Task InstallMqttJsAsync()
    {
        await npmOnce.WaitAsync();
        try
        {
            if (npmInstalled) return;
            var npm = await ProcessRunner.RunAsync(PuppetTools.Require("npm"),
                ["install", "--no-audit", "--no-fund", "--no-save", "--prefix", Dir, ReadmeRecipes.MqttJsPackage()],
                NpmTimeout, check: false, workingDirectory: Dir);
            if (npm.ExitCode != 0) Assert.Fail($"npm install {ReadmeRecipes.MqttJsPackage()} failed\n{PuppetTools.Describe(npm)}");
            npmInstalled = true;
        }
        finally
        {
            npmOnce.Release();
        }
    }

    /// <summary>Debian's own python3: python3-paho-mqtt is installed for it, not for another python3 earlier on PATH.</summary>
    private static string DebianPython() => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : PuppetTools.Require("python3");

    public void Dispose()
    {
        if (Directory.Exists(Dir)) Directory.Delete(Dir, recursive: true);
        npmOnce.Dispose();
    }
}
