using System.Text;
using System.Text.RegularExpressions;
using Germqtt.Tests.Fixtures;

namespace Germqtt.Tests.Deploy;

/// <summary>
/// The .deb passes lintian, Debian's own package checker, with no error and no warning; what
/// lintian is told to accept (scripts/debian/lintian-overrides) says why, line by line.
/// </summary>
[TestFixture, ToolBound, Category("Slow")]
public class PackageLintTests
{
    private const string Maintainer = "germqtt maintainers <maintainers@users.noreply.r-seed-210b6892.example>";
    private static readonly TimeSpan LintianTimeout = TimeSpan.FromMinutes(3);

    private BuiltPackage built = null!;
    private string extracted = null!;
    private ProcessResult lintian = null!;
    private ProcessResult lintianWithOverrides = null!;

    private static string OverridesFile => Path.Combine(Repo.Root, "scripts", "debian", "lintian-overrides");

    [OneTimeSetUp]
    public async Task LintThePackage()
    {
        built = await BuiltPackage.GetAsync();
        extracted = Directory.CreateTempSubdirectory("germqtt-lint-").FullName;
        await built.ExtractAsync(extracted);

        // Two runs at once: --show-overrides makes an overridden error count for --fail-on, so the
        // exit code comes from the plain run and the override reasons from the other.
        string tool = PuppetTools.Require("lintian");
        var plain = ProcessRunner.RunAsync(tool, ["--fail-on", "error,warning", built.Deb], LintianTimeout, check: false);
        var shown = ProcessRunner.RunAsync(tool, ["--show-overrides", "--display-info", built.Deb], LintianTimeout, check: false);
        (lintian, lintianWithOverrides) = (await plain, await shown);
        TestContext.Progress.WriteLine("lintian --show-overrides --display-info:\n" + lintianWithOverrides.StdOut);
    }

    [OneTimeTearDown]
    public void RemoveTheExtractedPackage()
    {
        if (extracted is not null && Directory.Exists(extracted)) Directory.Delete(extracted, recursive: true);
    }

    [Test]
    public void Lintian_reports_no_error_and_no_warning()
    {
        Assert.That(lintian.ExitCode, Is.Zero, () => PuppetTools.Describe(lintian));
        Assert.That(Tags(lintian.StdOut, "E", "W"), Is.Empty, () => PuppetTools.Describe(lintian));
    }

    /// <summary>
    /// A comment above each override is its reason; lintian prints it (N:) above the overridden
    /// tag (O:). An override that matches nothing any more is reported as unused and must go.
    /// </summary>
    [Test]
    public void Every_override_has_its_reason_above_it_and_still_matches_a_tag()
    {
        var lines = File.ReadAllLines(OverridesFile);
        var overrides = new List<string>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() is "" || lines[i].StartsWith('#')) continue;
            Assert.That(i > 0 && lines[i - 1].StartsWith("# ", StringComparison.Ordinal), Is.True,
                $"scripts/debian/lintian-overrides line {i + 1} has no reason (a '# ' comment line) above it: {lines[i]}");
            overrides.Add(lines[i].Trim());
        }
        Assert.That(overrides, Is.Not.Empty);

        var output = lintianWithOverrides.StdOut.Split('\n');
        var overridden = output.Select((line, i) => (line, i)).Where(x => x.line.StartsWith("O: ", StringComparison.Ordinal)).ToList();
        Assert.That(overridden.Select(x => x.line[3..].Trim()), Is.EquivalentTo(overrides), lintianWithOverrides.StdOut);
        foreach (var (line, i) in overridden)
            Assert.That(i > 0 && output[i - 1].StartsWith("N: ", StringComparison.Ordinal), Is.True, $"no reason shown above {line}");
        Assert.That(Tags(lintianWithOverrides.StdOut, "I", "W", "E").Where(t => t.Contains("unused-override") || t.Contains("mismatched-override")),
            Is.Empty, lintianWithOverrides.StdOut);
    }

    [Test]
    public async Task The_changelog_is_for_this_package_version_and_maintainer_and_compressed_without_a_timestamp()
    {
        var control = await ProcessRunner.RunAsync("dpkg-deb", ["-f", built.Deb, "Version", "Maintainer"]);
        string version = Regex.Match(control.StdOut, @"^Version: (.+)$", RegexOptions.Multiline).Groups[1].Value.Trim();
        Assert.That(control.StdOut, Does.Contain($"Maintainer: {Maintainer}"));

        string path = Path.Combine(extracted, "usr", "share", "doc", "germqtt", "changelog.Debian.gz");
        byte[] gzip = File.ReadAllBytes(path);
        Assert.That(BitConverter.ToUInt32(gzip, 4), Is.Zero, "gzip -n: no modification time in the header");
        Assert.That(gzip[3] & 0x08, Is.Zero, "gzip -n: no file name in the header");

        var changelog = Encoding.UTF8.GetString(BuiltPackage.Gunzip(path)).Split('\n');
        Assert.That(changelog[0], Is.EqualTo($"germqtt ({version}) unstable; urgency=medium"));
        Assert.That(changelog.Single(l => l.StartsWith(" -- ", StringComparison.Ordinal)),
            Does.Match($@"^ -- {Regex.Escape(Maintainer)}  [A-Z][a-z]{{2}}, \d{{1,2}} \w{{3}} \d{{4}} \d\d:\d\d:\d\d [+-]\d{{4}}$"));
    }

    private static IEnumerable<string> Tags(string output, params string[] kinds) =>
        output.Split('\n').Where(l => kinds.Any(k => l.StartsWith(k + ": ", StringComparison.Ordinal)));
}
