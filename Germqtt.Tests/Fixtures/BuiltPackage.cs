using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;

namespace Germqtt.Tests.Fixtures;

/// <summary>
/// What `scripts/package` built, once per test run however many fixtures ask: its NativeAOT
/// publish takes 30 s or more, and every package test looks at the same build.
/// </summary>
public sealed class BuiltPackage
{
    private static readonly Lazy<Task<BuiltPackage>> Once = new(BuildAsync);

    /// <summary>The script's exit code and output; a failed build is reported by <see cref="GetAsync"/>.</summary>
    public ProcessResult Script { get; }

    /// <summary>The &lt;Version&gt; of Germqtt/Germqtt.csproj, which the binary prints.</summary>
    public string Version { get; }

    /// <summary>The path of the .deb, as the script printed it.</summary>
    public string Deb { get; }

    public static string Binary => Path.Combine(Repo.Root, "out", "aot", "germqtt");

    /// <summary>The manual page the script left beside the package, unpacked.</summary>
    public static string ManualPage => Path.Combine(Repo.Root, "out", "germqtt.1");

    private BuiltPackage(ProcessResult script, string version, string deb) => (Script, Version, Deb) = (script, version, deb);

    /// <summary>The build, made by the first caller; fails the calling test when the script failed.</summary>
    public static async Task<BuiltPackage> GetAsync()
    {
        var built = await Once.Value;
        Assert.That(built.Script.ExitCode, Is.Zero, () => PuppetTools.Describe(built.Script));
        Assert.That(built.Deb, Is.Not.Empty.And.Matches<string>(File.Exists), () => PuppetTools.Describe(built.Script));
        return built;
    }

    /// <summary>Unpacks the .deb's files (`dpkg-deb -x`) into <paramref name="directory"/>.</summary>
    public Task ExtractAsync(string directory) => ProcessRunner.RunAsync("dpkg-deb", ["-x", Deb, directory]);

    /// <summary>The bytes of a gzip'd file of the package (the manual page, the changelog).</summary>
    public static byte[] Gunzip(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var bytes = new MemoryStream();
        gzip.CopyTo(bytes);
        return bytes.ToArray();
    }

    private static async Task<BuiltPackage> BuildAsync()
    {
        string version = XDocument.Load(Path.Combine(Repo.Root, "Germqtt", "Germqtt.csproj")).Descendants("Version").Single().Value;
        var clock = Stopwatch.StartNew();
        var script = await ProcessRunner.RunAsync(Repo.ScriptPath("package"), [], TimeSpan.FromMinutes(10), check: false,
            workingDirectory: Repo.Root);
        TestContext.Progress.WriteLine($"scripts/package: {clock.Elapsed.TotalSeconds:0.0} s, exit {script.ExitCode}");
        const string debLine = "package: deb     ";
        string deb = script.StdOut.Split('\n').Where(l => l.StartsWith(debLine, StringComparison.Ordinal))
            .Select(l => l[debLine.Length..l.LastIndexOf(" (", StringComparison.Ordinal)]).SingleOrDefault() ?? "";
        return new BuiltPackage(script, version, deb);
    }
}
