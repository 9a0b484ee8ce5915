using Microsoft.Extensions.Configuration.Ini;

namespace Germqtt.Tests.Config;

/// <summary>A scratch directory and a minimal valid configuration to vary, for the configuration tests.</summary>
public abstract class ConfigTestBase
{
    protected string Dir { get; private set; } = "";

    [SetUp]
    public void MakeDirectory() => Dir = Directory.CreateTempSubdirectory("germqtt-options-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(Dir, recursive: true);

    protected const string Minimal = """
        [gerrit]
        username = germqtt
        hostname = review.example.org
        key = /keys/id
        [mqtt]
        hostname = firehose.example.org
        """;

    protected static (GermqttOptions? Options, List<string> Errors) Parse(
        string ini, string home = "/home/u", string cwd = "/work", Func<string, string?>? environment = null)
    {
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(ini));
        return OptionsLoader.Parse(IniStreamConfigurationProvider.Read(stream), home, cwd, environment);
    }

    protected static string With(string section, string line) => Minimal.Replace($"[{section}]\n", $"[{section}]\n{line}\n");

    protected string Write(string ini)
    {
        var path = Path.Combine(Dir, "germqtt.ini");
        File.WriteAllText(path, ini);
        return path;
    }
}
