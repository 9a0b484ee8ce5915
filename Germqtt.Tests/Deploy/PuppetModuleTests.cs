using System.Text.Json;
using System.Text.RegularExpressions;
using Germqtt.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Germqtt.Tests.Deploy;

/// <summary>
/// The Puppet modules under puppet/ as their users meet them, without applying anything:
/// syntax, lint, metadata, rspec-puppet catalog specs, documentation and the systemd unit.
/// </summary>
[TestFixture, ToolBound(ParallelScope.All), Category("Puppet")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class PuppetModuleTests
{
    private static IEnumerable<string> Modules => PuppetTools.Modules;

    // A catalog per example takes 10-20 s alone; beside another tool-bound test on a busy machine it
    // can pass the two minutes other commands get.
    private static readonly TimeSpan RspecTimeout = TimeSpan.FromMinutes(5);

    [Test]
    public async Task Every_manifest_and_type_alias_passes_puppet_parser_validate()
    {
        var files = Modules.SelectMany(m => PuppetTools.FilesUnder(PuppetTools.ModuleDir(m), ".pp"))
            .Concat(PuppetTools.FilesUnder(Path.Combine(PuppetTools.PuppetDir, "examples"), ".pp"))
            .ToList();
        var result = await PuppetTools.PuppetAsync("parser", ["validate", .. files]);
        Assert.That(result.ExitCode, Is.Zero, () => PuppetTools.Describe(result));
        Assert.That(result.StdErr.Trim(), Is.Empty, () => PuppetTools.Describe(result));
    }

    [Test]
    public async Task Every_template_passes_puppet_epp_validate()
    {
        var files = Modules.SelectMany(m => PuppetTools.FilesUnder(Path.Combine(PuppetTools.ModuleDir(m), "templates"), ".epp")).ToList();
        var result = await PuppetTools.PuppetAsync("epp", ["validate", .. files]);
        Assert.That(result.ExitCode, Is.Zero, () => PuppetTools.Describe(result));
        Assert.That(result.StdErr.Trim(), Is.Empty, () => PuppetTools.Describe(result));
    }

    [TestCase("mosquitto")]
    [TestCase("germqtt")]
    public async Task Puppet_lint_finds_nothing_even_with_warnings_as_failures(string module)
    {
        // One directory per call: puppet-lint 3.0 checks only the first path it is given.
        foreach (var part in new[] { "manifests", "types" })
        {
            var result = await PuppetTools.RunAsync("puppet-lint", ["--fail-on-warnings", Path.Combine(PuppetTools.ModuleDir(module), part)]);
            Assert.That(result.ExitCode, Is.Zero, () => PuppetTools.Describe(result));
            Assert.That(result.StdOut.Trim() + result.StdErr.Trim(), Is.Empty, () => PuppetTools.Describe(result));
        }
    }

    [Test]
    public async Task The_example_manifest_passes_puppet_lint()
    {
        var result = await PuppetTools.RunAsync("puppet-lint",
            ["--fail-on-warnings", Path.Combine(PuppetTools.PuppetDir, "examples")]);
        Assert.That(result.ExitCode, Is.Zero, () => PuppetTools.Describe(result));
        Assert.That(result.StdOut.Trim() + result.StdErr.Trim(), Is.Empty, () => PuppetTools.Describe(result));
    }

    [TestCase("mosquitto")]
    [TestCase("germqtt")]
    public async Task Metadata_json_passes_lint_with_strict_dependencies_and_license(string module)
    {
        var result = await PuppetTools.RunAsync("metadata-json-lint",
            ["--strict-dependencies", "--strict-license", "metadata.json"], PuppetTools.ModuleDir(module));
        Assert.That(result.ExitCode, Is.Zero, () => PuppetTools.Describe(result));

        using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(PuppetTools.ModuleDir(module), "metadata.json")));
        var root = metadata.RootElement;
        Assert.That(root.GetProperty("license").GetString(), Is.EqualTo("Apache-2.0"));
        Assert.That(root.GetProperty("dependencies").EnumerateArray().Select(d => $"{d.GetProperty("name")} {d.GetProperty("version_requirement")}"),
            Is.EqualTo(new[] { "puppetlabs/stdlib >= 8.0.0 < 10.0.0" }));
        Assert.That(root.GetProperty("requirements").EnumerateArray().Select(d => $"{d.GetProperty("name")} {d.GetProperty("version_requirement")}"),
            Is.EqualTo(new[] { "puppet >= 7.0.0 < 9.0.0" }));
        Assert.That(root.GetProperty("operatingsystem_support").EnumerateArray()
                .Any(os => os.GetProperty("operatingsystem").GetString() == "Debian"
                           && os.GetProperty("operatingsystemrelease").EnumerateArray().Any(r => r.GetString() == "12")),
            Is.True, "Debian 12 is in operatingsystem_support");
    }

    /// <summary>
    /// spec/**/*_spec.rb through `rake spec`, in a copy of the module (rake links fixtures into
    /// spec/fixtures, which must not race with another checkout's run).
    /// </summary>
    [TestCase("mosquitto")]
    [TestCase("germqtt")]
    [Category("Slow")]
    public async Task Rspec_puppet_catalog_specs_pass(string module)
    {
        await PuppetTools.RequirePackagesAsync("ruby-rspec-puppet", "ruby-puppetlabs-spec-helper");
        string copy = PuppetTools.CopyModule(module);
        try
        {
            var result = await PuppetTools.RunAsync("rake", ["spec"], copy, RspecTimeout);
            Assert.That(result.ExitCode, Is.Zero, () => PuppetTools.Describe(result));
            var summary = Regex.Match(result.StdOut, @"^(\d+) examples?, 0 failures", RegexOptions.Multiline);
            Assert.That(summary.Success, Is.True, () => "no \"N examples, 0 failures\" line\n" + PuppetTools.Describe(result));
            Assert.That(int.Parse(summary.Groups[1].Value), Is.GreaterThan(0), () => PuppetTools.Describe(result));
            TestContext.Out.WriteLine($"{module}: {summary.Value}");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(copy)!, recursive: true);
        }
    }

    [TestCase("mosquitto")]
    [TestCase("germqtt")]
    public async Task Every_class_and_function_parameter_is_documented(string module)
    {
        await PuppetTools.RequirePackagesAsync("puppet-strings");
        // A copy: puppet-strings (YARD) leaves a .yardoc cache in the directory it runs in.
        string dir = PuppetTools.CopyModule(module);
        string json = Path.Combine(Path.GetDirectoryName(dir)!, "strings.json");
        try
        {
            var sources = PuppetTools.FilesUnder(Path.Combine(dir, "manifests"), ".pp")
                .Concat(PuppetTools.FilesUnder(Path.Combine(dir, "types"), ".pp"))
                .Concat(Directory.Exists(Path.Combine(dir, "lib")) ? PuppetTools.FilesUnder(Path.Combine(dir, "lib"), ".rb") : [])
                .Select(f => Path.GetRelativePath(dir, f));
            var result = await PuppetTools.PuppetAsync("strings", ["generate", "--format", "json", "--out", json, .. sources], dir);
            Assert.That(result.ExitCode, Is.Zero, () => PuppetTools.Describe(result));
            Assert.That(result.StdOut + result.StdErr, Does.Not.Contain("[warn]").And.Not.Contain("[error]"), () => PuppetTools.Describe(result));

            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            var problems = new List<string>();
            int documented = 0;
            foreach (var kind in new[] { "puppet_classes", "puppet_functions" })
            {
                foreach (var item in doc.RootElement.GetProperty(kind).EnumerateArray())
                {
                    string name = item.GetProperty("name").GetString()!;
                    var tags = item.GetProperty("docstring").TryGetProperty("tags", out var t) ? t.EnumerateArray().ToList() : [];
                    if (!tags.Any(tag => tag.GetProperty("tag_name").GetString() == "summary"))
                        problems.Add($"{name}: no @summary");
                    // puppet-strings lists every real parameter as a "param" tag with its types,
                    // with empty text when @param is missing; a @param for no parameter has no types.
                    foreach (var param in tags.Where(tag => tag.GetProperty("tag_name").GetString() == "param"))
                    {
                        string p = param.GetProperty("name").GetString()!;
                        if (!param.TryGetProperty("types", out _)) problems.Add($"{name}: @param {p} names no parameter");
                        else if (string.IsNullOrWhiteSpace(param.GetProperty("text").GetString())) problems.Add($"{name}: parameter {p} has no description");
                        else documented++;
                    }
                }
            }
            Assert.That(problems, Is.Empty);
            Assert.That(documented, Is.GreaterThan(10), "documented parameters found");
            TestContext.Out.WriteLine($"{module}: {documented} documented parameters");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(dir)!, recursive: true);
        }
    }

    /// <summary>
    /// The unit as the module renders it with its defaults (User=germqtt), and with every optional
    /// line, ExecStart pointing at a wrapper that runs the freshly built germqtt: verify prints
    /// unknown keys and bad values on stderr but still exits 0, so stderr must be empty.
    /// </summary>
    [TestCase("memory_deny_write_execute => false", "Type=notify")]
    [TestCase("memory_deny_write_execute => true, watchdog_sec => 30", "WatchdogSec=30s")]
    [TestCase("memory_deny_write_execute => false, load_credentials => {'mqtt_password' => '/etc/germqtt/mqtt_password'}", "LoadCredential=mqtt_password:/etc/germqtt/mqtt_password")]
    [TestCase("memory_deny_write_execute => false, state_directory => '/srv/germqtt'", "ReadWritePaths=/srv/germqtt")]
    public async Task The_systemd_unit_passes_systemd_analyze_verify_without_a_single_warning(string options, string expectedLine)
    {
        using var root = PuppetRoot.Create();
        string unit = await RenderUnitAsync(root, options);
        Assert.That(File.ReadAllLines(unit), Does.Contain(expectedLine));
        var result = await PuppetTools.RunAsync("systemd-analyze", ["verify", "--man=no", Path.GetFileName(unit)], Path.GetDirectoryName(unit));
        Assert.That(result.ExitCode, Is.Zero, () => PuppetTools.Describe(result));
        Assert.That(result.StdErr.Trim(), Is.Empty, () => PuppetTools.Describe(result) + "\n--- unit ---\n" + File.ReadAllText(unit));
    }

    [Test]
    public async Task The_systemd_unit_scores_2_0_or_better_in_systemd_analyze_security()
    {
        using var root = PuppetRoot.Create();
        string unit = await RenderUnitAsync(root);
        var result = await PuppetTools.RunAsync("systemd-analyze",
            ["security", "--offline=true", "--threshold=20", "--no-pager", Path.GetFileName(unit)], Path.GetDirectoryName(unit));
        string overall = result.StdOut.Split('\n').LastOrDefault(l => l.Contains("Overall exposure level")) ?? "(no overall line)";
        TestContext.Out.WriteLine(overall.Trim());
        Assert.That(result.ExitCode, Is.Zero, () => $"{overall}\n{PuppetTools.Describe(result)}");
        Assert.That(overall, Does.Match(@"germqtt\.service: [01]\.\d|germqtt\.service: 2\.0"));
    }

    /// <summary>
    /// systemd cannot run the unit here, so its SystemCallFilter= and ProcSubset=pid are
    /// emulated (seccomp filter, private /proc) around the real germqtt, which must then stream
    /// a Gerrit event to the broker as usual.
    /// </summary>
    [Test, Category("Slow")]
    public async Task Germqtt_streams_events_inside_the_units_system_call_filter_and_pid_only_proc()
    {
        using var root = PuppetRoot.Create();
        var (allow, deny, eperm) = await UnitSandbox.FilterOfAsync(File.ReadAllText(await RenderUnitAsync(root)));
        await using var gerrit = await TestGerrit.StartAsync();
        await using var broker = await Mosquitto.StartAsync();
        string topic = RunningBridge.UniqueTopic();
        await using var probe = await MqttProbe.StartAsync(broker, $"{topic}/#");
        var before = gerrit.LiveStreamSessions().ToHashSet();
        await using var bridge = await UnitSandbox.StartAsync(root.Dir, allow, deny, eperm,
            [PuppetTools.DotnetHost(), GermqttProcess.DllPath, "--config", IniFile.ForBridge(gerrit, broker, topic)]);
        await RunningBridge.WaitForNewSessionAsync(gerrit, before, bridge);

        gerrit.Emit("""{"type":"change-merged","change":{"project":"sandboxed"}}""");
        await probe.WaitForCountAsync(1, TimeSpan.FromSeconds(30));
        Assert.That(probe.Messages.Single().Topic, Is.EqualTo($"{topic}/sandboxed/change-merged"));
    }

    /// <summary>
    /// The control for the test above: the emulation does bite. The often recommended
    /// SystemCallFilter=~@privileged @resources denies sched_setaffinity and sched_setscheduler,
    /// which the .NET runtime needs to start, so the unit leaves @resources allowed.
    /// </summary>
    [Test]
    public async Task Denying_the_resources_group_as_well_would_stop_germqtt_from_starting()
    {
        using var root = PuppetRoot.Create();
        string unitText = File.ReadAllText(await RenderUnitAsync(root));
        Assert.That(unitText, Does.Not.Match("(?m)^SystemCallFilter=.*@resources"));
        var (allow, deny, eperm) = await UnitSandbox.FilterOfAsync(unitText);
        await using (var ours = await UnitSandbox.StartAsync(root.Dir, allow, deny, eperm, [PuppetTools.DotnetHost(), GermqttProcess.DllPath, "--version"]))
            Assert.That(await ours.WaitForExitAsync(TimeSpan.FromSeconds(30)), Is.Zero, ours.Transcript);

        var (_, denyMore, _) = await UnitSandbox.FilterOfAsync(unitText + "\nSystemCallFilter=~@privileged @resources\n");
        await using var strict = await UnitSandbox.StartAsync(root.Dir, allow, denyMore, eperm, [PuppetTools.DotnetHost(), GermqttProcess.DllPath, "--version"]);
        Assert.That(await strict.WaitForExitAsync(TimeSpan.FromSeconds(30)), Is.Not.Zero, strict.Transcript);
    }

    private static async Task<string> RenderUnitAsync(PuppetRoot root, string options = "memory_deny_write_execute => false")
    {
        string wrapper = PuppetTools.WriteGermqttWrapper(Path.Combine(root.Dir, "germqtt"));
        string values = $"{{ binary_path => {PuppetTools.Quote(wrapper)}, config_file => '/etc/germqtt.ini', "
                        + $"user => 'germqtt', group => 'germqtt', {options} }}";
        var render = await root.RenderAsync("germqtt/germqtt.service.epp", values);
        Assert.That(render.ExitCode, Is.Zero, () => PuppetTools.Describe(render));
        string unitDir = Path.Combine(root.Dir, "system");
        Directory.CreateDirectory(unitDir);
        string unit = Path.Combine(unitDir, "germqtt.service");
        File.WriteAllText(unit, render.StdOut);
        Assert.That(render.StdOut, Does.Contain($"ExecStart={wrapper} --config /etc/germqtt.ini"));
        return unit;
    }
}
