using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Germqtt.Tests.Fixtures;

namespace Germqtt.Tests.Deploy;

/// <summary>
/// The package's copyright file (scripts/debian/copyright, machine-readable format) covers every
/// NuGet package compiled into the NativeAOT binary, with the licence and holder that package
/// declares itself. A new dependency, or one that changes its licence, fails here until the
/// file says so.
/// </summary>
[TestFixture, ToolBound, Category("Slow")]
public class PackageCopyrightTests
{
    /// <summary>Written by the AOT publish of scripts/package (its --artifacts-path is out/build).</summary>
    private static string AssetsFile => Path.Combine(Repo.Root, "out", "build", "obj", "Germqtt", "project.assets.json");

    private static string CopyrightFile => Path.Combine(Repo.Root, "scripts", "debian", "copyright");

    private readonly List<(string Id, string Version)> linked = [];
    private string packageFolder = null!;
    private List<Dictionary<string, string>> paragraphs = null!;

    [OneTimeSetUp]
    public async Task ReadWhatTheBinaryLinks()
    {
        await BuiltPackage.GetAsync();
        using var assets = JsonDocument.Parse(File.ReadAllText(AssetsFile));
        var root = assets.RootElement;
        packageFolder = root.GetProperty("packageFolders").EnumerateObject().First().Name;
        // Packages with run-time assemblies are compiled in; ILCompiler and ILLink only build.
        foreach (var library in root.GetProperty("targets").GetProperty("net10.0/linux-x64").EnumerateObject())
        {
            if (!library.Value.TryGetProperty("runtime", out _)) continue;
            var (id, version) = (library.Name.Split('/')[0], library.Name.Split('/')[1]);
            linked.Add((id, version));
        }
        foreach (var pack in root.GetProperty("project").GetProperty("frameworks").GetProperty("net10.0")
                     .GetProperty("downloadDependencies").EnumerateArray())
        {
            string name = pack.GetProperty("name").GetString()!;
            if (name.Contains(".NativeAOT.", StringComparison.Ordinal))
                linked.Add((name, pack.GetProperty("version").GetString()!.Trim('[', ']').Split(',')[0].Trim()));
        }
        TestContext.Out.WriteLine("compiled in: " + string.Join(", ", linked.Select(p => $"{p.Id} {p.Version}")));
        paragraphs = Paragraphs(File.ReadAllText(CopyrightFile));
    }

    [Test]
    public void Every_package_compiled_into_the_binary_has_its_own_licence_and_holder_in_the_copyright_file()
    {
        Assert.That(linked.Select(p => p.Id), Does.Contain("MQTTnet").And.Contain("SSH.NET").And.Contain("BouncyCastle.Cryptography")
            .And.Contain("System.CommandLine").And.Contain("Microsoft.Extensions.Configuration.Ini")
            .And.Contain("Microsoft.NETCore.App.Runtime.NativeAOT.linux-x64"));
        using (Assert.EnterMultipleScope())
        {
            foreach (var (id, version) in linked)
            {
                string dir = Path.Combine(packageFolder, id.ToLowerInvariant(), version);
                var nuspec = XDocument.Load(Directory.GetFiles(dir, "*.nuspec").Single());
                var paragraph = Covering($"{id.ToLowerInvariant()}/{version}/lib/{id}.dll");
                Assert.That(paragraph?["License"].Split('\n')[0], Is.EqualTo(LicenceOf(nuspec, dir)), $"licence of {id}");
                string holder = Regex.Replace(paragraph?["Copyright"] ?? "", @"^[\d\s,-]+", "");
                string declared = Value(nuspec, "copyright") + "\n" + string.Join("\n",
                    Directory.GetFiles(dir, "LICENSE*").Select(File.ReadAllText));
                Assert.That(declared, Does.Contain(holder), $"copyright holder of {id}");
            }
        }
    }

    /// <summary>lintian finds zlib in the binary; the file must say whose it is and under which licence.</summary>
    [Test]
    public void The_zlib_the_runtime_links_in_is_under_the_Zlib_licence_of_its_authors()
    {
        var (id, version) = linked.Single(p => p.Id.Contains(".NativeAOT.", StringComparison.Ordinal));
        string dir = Path.Combine(packageFolder, id.ToLowerInvariant(), version);
        string libz = Path.Combine("runtimes", "linux-x64", "native", "libz.a");
        Assert.That(File.Exists(Path.Combine(dir, libz)), Is.True, $"the runtime pack still has {libz}");

        var paragraph = Covering($"{id.ToLowerInvariant()}/{version}/{libz}");
        Assert.That(paragraph?["License"], Is.EqualTo("Zlib"));
        string notices = File.ReadAllText(Path.Combine(dir, "THIRD-PARTY-NOTICES.TXT"));
        Assert.That(notices, Does.Contain("License notice for zlib-ng").And.Contain($"(C) {paragraph!["Copyright"]}"));
    }

    /// <summary>The last Files paragraph whose patterns match <paramref name="path"/> governs it.</summary>
    private Dictionary<string, string>? Covering(string path) =>
        paragraphs.LastOrDefault(p => p.TryGetValue("Files", out var files)
                                      && files.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Any(f => Glob(f, path)));

    private static bool Glob(string pattern, string path) =>
        Regex.IsMatch(path, "^" + Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".") + "$");

    private static string LicenceOf(XDocument nuspec, string dir)
    {
        var license = nuspec.Descendants().Single(e => e.Name.LocalName == "license");
        if ((string?)license.Attribute("type") == "expression") return license.Value;
        string text = File.ReadAllText(Path.Combine(dir, license.Value));
        return text.Contains("Permission is hereby granted, free of charge") ? "MIT" : $"unrecognised licence file {license.Value}";
    }

    private static string Value(XDocument nuspec, string name) =>
        nuspec.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value ?? "";

    /// <summary>The copyright file's paragraphs: fields, continuation lines joined with "\n" (" ." is an empty line).</summary>
    private static List<Dictionary<string, string>> Paragraphs(string text) =>
        Regex.Split(text.Trim(), @"\n\s*\n").Select(block =>
        {
            var fields = new Dictionary<string, string>();
            string? last = null;
            foreach (string line in block.Split('\n'))
            {
                if (line.StartsWith(' ') && last is not null) fields[last] += "\n" + (line.Trim() == "." ? "" : line.Trim());
                else
                {
                    var parts = line.Split(':', 2);
                    last = parts[0];
                    fields[last] = parts[1].Trim();
                }
            }
            return fields;
        }).ToList();
}
