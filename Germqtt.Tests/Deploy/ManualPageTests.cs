using System.Text.RegularExpressions;
using Germqtt.Tests.Fixtures;

namespace Germqtt.Tests.Deploy;

/// <summary>
/// germqtt(1), as `man` shows it: scripts/manpage writes it from README.md, and these tests read
/// the README's tables, germqtt.ini.sample and `germqtt --help` on their own and look for each
/// option and key on the rendered page, so the page, the README and the program stay in step.
/// </summary>
[TestFixture, ToolBound]
public class ManualPageTests
{
    private string dir = null!;
    private string page = null!;
    private ProcessResult man = null!;
    private string[] rendered = null!;

    private static string Readme => File.ReadAllText(Path.Combine(Repo.Root, "README.md"));

    [OneTimeSetUp]
    public async Task RenderThePage()
    {
        await PuppetTools.RequirePackagesAsync("man-db", "groff-base");
        dir = Directory.CreateTempSubdirectory("germqtt-manpage-").FullName;
        page = Path.Combine(dir, "germqtt.1");
        await ProcessRunner.RunAsync(Repo.ScriptPath("manpage"), [page]);
        // Not a terminal, so man prints plain text; --warnings makes groff say what it cannot lay out.
        man = await ProcessRunner.RunAsync("man", ["--warnings", "-l", page], check: false,
            environment: new Dictionary<string, string?> { ["MANWIDTH"] = "80", ["LC_ALL"] = "C.UTF-8", ["MANPAGER"] = "cat", ["PAGER"] = "cat" });
        Assert.That(man.ExitCode, Is.Zero, () => PuppetTools.Describe(man));
        rendered = man.StdOut.Split('\n');
    }

    [OneTimeTearDown]
    public void RemoveThePage()
    {
        if (dir is not null && Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    [Test]
    public async Task The_page_renders_without_groff_warnings_and_regenerating_it_gives_the_same_bytes()
    {
        TestContext.Out.WriteLine(man.StdOut);
        Assert.That(man.StdErr.Trim(), Is.Empty);
        Assert.That(rendered[0], Does.Match(@"^GERMQTT\(1\) +User Commands +GERMQTT\(1\)$"));
        Assert.That(rendered.Where(l => l.Length > 80 && !l.StartsWith("           ", StringComparison.Ordinal)), Is.Empty,
            "only example lines may be wider than the terminal");

        string again = Path.Combine(dir, "again.1");
        await ProcessRunner.RunAsync(Repo.ScriptPath("manpage"), [again]);
        Assert.That(File.ReadAllBytes(again), Is.EqualTo(File.ReadAllBytes(page)));
    }

    [Test]
    public void Every_option_of_the_README_table_is_in_OPTIONS_with_its_meaning()
    {
        var rows = Table(Readme, "| Option | Meaning |");
        Assert.That(rows, Has.Count.GreaterThanOrEqualTo(8));
        string options = Flat(Section("OPTIONS"));
        using (Assert.EnterMultipleScope())
        {
            foreach (var row in rows)
            {
                Assert.That(options, Does.Contain(Flat(Plain(row[0]))), "option");
                Assert.That(options, Does.Contain(Flat(Plain(row[1]))), $"meaning of {row[0]}");
            }
        }
    }

    [Test]
    public async Task Every_long_option_germqtt_help_lists_is_in_OPTIONS()
    {
        var help = await ProcessRunner.RunAsync(PuppetTools.DotnetHost(), [GermqttProcess.DllPath, "--help"]);
        var longOptions = Regex.Matches(help.StdOut, @"(?<![\w-])--[a-z][a-z-]*").Select(m => m.Value).Distinct().ToList();
        Assert.That(longOptions, Does.Contain("--config").And.Contain("--check-config").And.Contain("--log-level"), help.StdOut);
        var documented = Regex.Matches(Flat(Section("OPTIONS")), @"(?<![\w-])--[a-z][a-z-]*").Select(m => m.Value).ToHashSet();
        Assert.That(longOptions.Where(o => !documented.Contains(o)), Is.Empty, "options of --help missing from the manual page");
    }

    [Test]
    public void Every_key_of_the_README_table_is_under_its_section_with_its_default_and_meaning()
    {
        var rows = Table(Readme, "| Section | Key | Default | Meaning |");
        Assert.That(rows, Has.Count.GreaterThanOrEqualTo(40));
        using (Assert.EnterMultipleScope())
        {
            foreach (var row in rows)
            {
                var (section, key, @default, meaning) = (row[0], Plain(row[1]), Plain(row[2]), Flat(Plain(row[3])));
                var entry = Entry(section, key.Split(", ")[0]); // "certfile, keyfile" is one row
                Assert.That(entry, Is.Not.Null, $"[{section}] {key}");
                if (entry is null) continue;
                string expected = @default switch { "required" => " (required)", "none" => "", _ => $" (default: {@default})" };
                Assert.That(entry.Value.Term, Is.EqualTo(key + expected), $"[{section}] {key}");
                Assert.That(entry.Value.Text, Is.EqualTo(meaning), $"meaning of [{section}] {key}");
            }
        }
    }

    /// <summary>The sample is the other list of keys (OptionsLoaderTests ties it to the program's own).</summary>
    [Test]
    public void Every_key_of_germqtt_ini_sample_is_under_its_section()
    {
        string sample = File.ReadAllText(Path.Combine(Repo.Root, "germqtt.ini.sample"));
        var keys = new List<(string Section, string Key)>();
        string section = "";
        foreach (string line in sample.Split('\n'))
        {
            var m = Regex.Match(line, @"^\[(\w+)\]|^(?:#{1,2} )?([a-z_]+) = ");
            if (m.Groups[1].Success) section = m.Groups[1].Value;
            else if (m.Groups[2].Success) keys.Add((section, m.Groups[2].Value));
        }
        Assert.That(keys, Has.Count.GreaterThanOrEqualTo(40));
        Assert.That(keys.Where(k => Entry(k.Section, k.Key) is null).Select(k => $"[{k.Section}] {k.Key}"), Is.Empty,
            "keys of germqtt.ini.sample missing from the manual page");
    }

    /// <summary>The lines of a rendered top-level section (heading at column 0), up to the next one.</summary>
    private IEnumerable<string> Section(string heading) =>
        rendered.SkipWhile(l => l != heading).Skip(1).TakeWhile(l => l.Length == 0 || l.StartsWith(' '));

    /// <summary>
    /// A .TP entry of "[section] section" whose term names <paramref name="key"/> (terms are at
    /// column 7, their text at 14): the whole term, and the text as one line.
    /// </summary>
    private (string Term, string Text)? Entry(string section, string key)
    {
        var lines = Section("CONFIGURATION").SkipWhile(l => l != $"   [{section}] section").Skip(1)
            .TakeWhile(l => !l.StartsWith("   [", StringComparison.Ordinal)).ToList();
        for (int i = 0; i < lines.Count; i++)
        {
            if (!Regex.IsMatch(lines[i], @"^ {7}\S")) continue;
            string term = lines[i].Trim();
            if (!Regex.Replace(term, @" \(.*\)$", "").Split(", ").Contains(key)) continue;
            var text = lines.Skip(i + 1).TakeWhile(l => l.StartsWith("              ", StringComparison.Ordinal));
            return (term, Flat(text));
        }
        return null;
    }

    /// <summary>The rows of the README table under <paramref name="header"/>, cells without their `|`.</summary>
    private static List<string[]> Table(string markdown, string header) =>
        markdown.Split('\n').SkipWhile(l => l.Trim() != header).Skip(2).TakeWhile(l => l.StartsWith('|'))
            .Select(l => Regex.Split(l.Trim().Trim('|'), @"(?<!\\)\|").Select(c => c.Trim().Replace(@"\|", "|")).ToArray())
            .ToList();

    /// <summary>Markdown inline text as man shows it: no backticks, links as their text.</summary>
    private static string Plain(string markdown) =>
        Regex.Replace(markdown.Replace("`", "").Replace("**", ""), @"\[([^\]]+)\]\([^)]*\)", "$1");

    private static string Flat(IEnumerable<string> lines) => Flat(string.Join(' ', lines));

    private static string Flat(string text) => Regex.Replace(text, @"\s+", " ").Trim();
}
