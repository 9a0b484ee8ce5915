using System.Diagnostics;
using System.Text.RegularExpressions;
using Germqtt.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Germqtt.Tests.Deploy;

/// <summary>
/// What scripts/package ships: the NativeAOT binary, run as operators run it (no `dotnet`), and
/// the .deb around it. The package is built once for the class: an AOT publish takes ~30 s.
/// </summary>
[TestFixture, ToolBound, Category("Slow")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class PackageTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    /// <summary>The first line the package puts in place of the template's "managed by Puppet" line.</summary>
    private const string PackageUnitHeader = "# Installed by the germqtt package. Change it with `systemctl edit germqtt`, not here.";

    /// <summary>The module's defaults for the unit, except MemoryDenyWriteExecute, which the AOT build allows.</summary>
    private const string PackageUnitValues = "binary_path => '/usr/bin/germqtt', config_file => '/etc/germqtt.ini', "
                                             + "user => 'germqtt', group => 'germqtt', memory_deny_write_execute => true";

    private BuiltPackage built = null!;
    private ProcessResult package = null!;
    private string version = null!;
    private string work = null!;
    private static string Binary => BuiltPackage.Binary;
    private string Deb => built.Deb;
    private string Extracted => Path.Combine(work, "extracted");

    [OneTimeSetUp]
    public async Task BuildThePackage()
    {
        built = await BuiltPackage.GetAsync();
        (package, version) = (built.Script, built.Version);
        work = Directory.CreateTempSubdirectory("germqtt-package-").FullName;
        await built.ExtractAsync(Extracted);
    }

    [OneTimeTearDown]
    public void RemoveTheExtractedPackage()
    {
        if (work is not null && Directory.Exists(work)) Directory.Delete(work, recursive: true);
    }

    [Test]
    public void The_script_prints_where_the_artefacts_are_and_the_publish_has_no_trim_or_AOT_warnings()
    {
        TestContext.Out.WriteLine(string.Join('\n', package.StdOut.Split('\n').Where(l => l.StartsWith("package:", StringComparison.Ordinal))));
        Assert.That(package.StdOut, Does.Contain($"package: binary  {Binary} (").And.Contain($"package: deb     {Deb} ("));
        // IL2xxx are trimming warnings and IL3xxx AOT ones: each is a place the binary may fail at run time.
        var warnings = (package.StdOut + package.StdErr).Split('\n').Where(l => Regex.IsMatch(l, @": warning [A-Z]+[0-9]+"));
        Assert.That(warnings, Is.Empty);
    }

    /// <summary>The .deb depends on libc6 and libssl3 only, so any other library it links would be missing on a host.</summary>
    [Test]
    public async Task The_binary_is_a_dynamically_linked_x86_64_ELF_that_links_only_libc_and_libm()
    {
        byte[] header = File.ReadAllBytes(Binary)[..20];
        Assert.That(header[..4], Is.EqualTo("\u007fELF"u8.ToArray()), "ELF magic");
        Assert.That(header[4], Is.EqualTo(2), "64-bit");
        Assert.That(BitConverter.ToUInt16(header, 18), Is.EqualTo(0x3E), "x86-64");

        var ldd = await ProcessRunner.RunAsync("ldd", [Binary]);
        var libraries = ldd.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => Path.GetFileName(l.Trim().Split(' ')[0])).ToList();
        Assert.That(libraries, Is.SubsetOf(new[] { "linux-vdso.so.1", "libc.so.6", "libm.so.6", "ld-linux-x86-64.so.2" }), ldd.StdOut);
        Assert.That(libraries, Does.Contain("libc.so.6"), "dynamically linked against glibc\n" + ldd.StdOut);
    }

    [Test]
    public async Task Version_prints_the_csproj_version_and_starts_in_milliseconds()
    {
        var aot = new List<double>();
        var jit = new List<double>();
        for (int run = 0; run < 5; run++)
        {
            var (stdout, ms) = await TimedAsync(Binary, ["--version"]);
            Assert.That(stdout, Is.EqualTo(new[] { version }));
            aot.Add(ms);
            jit.Add((await TimedAsync(PuppetTools.DotnetHost(), [GermqttProcess.DllPath, "--version"])).Ms);
        }
        TestContext.Out.WriteLine($"--version wall time, 5 runs: AOT {Summary(aot)}; framework-dependent {Summary(jit)}");
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    public async Task The_AOT_binary_bridges_every_sample_event_once_in_order_byte_for_byte(int qos)
    {
        await using var gerrit = await TestGerrit.StartAsync();
        await using var broker = await Mosquitto.StartAsync();
        string topic = RunningBridge.UniqueTopic();
        await using var probe = await MqttProbe.StartAsync(broker, $"{topic}/#");
        var before = gerrit.LiveStreamSessions().ToHashSet();
        await using var bridge = CapturedProcess.Start(Binary, ["--config", IniFile.ForBridge(gerrit, broker, topic, qos)]);
        await RunningBridge.WaitForNewSessionAsync(gerrit, before, bridge);

        Assert.That(SampleEvents.Lines(), Has.Count.EqualTo(102));
        await SampleEvents.EmitAndAssertEachArrivesOnceInOrderAsync(gerrit, probe, topic, Wait);
        Assert.That(bridge.StdErr, Has.None.Contains("error:").And.None.Contains("warning:"), bridge.Transcript);
    }

    /// <summary>The JIT build under the same restriction is the control: it must crash, or the emulation bites nothing.</summary>
    [TestCase(MemoryDenyWriteExecute.Prctl)]
    [TestCase(MemoryDenyWriteExecute.Seccomp)]
    public async Task Under_MemoryDenyWriteExecute_the_AOT_binary_answers_help_and_the_JIT_build_crashes(string how)
    {
        await using var aot = await MemoryDenyWriteExecute.StartAsync(work, how, [Binary, "--help"]);
        Assert.That(await MemoryDenyWriteExecute.ExitCodeAsync(aot, how, Wait), Is.Zero, aot.Transcript);
        Assert.That(string.Join('\n', aot.StdOut), Does.Contain("--config").And.Contain("--check-config"));

        await using var jit = await MemoryDenyWriteExecute.StartAsync(work, how, [PuppetTools.DotnetHost(), GermqttProcess.DllPath, "--help"]);
        Assert.That(await MemoryDenyWriteExecute.ExitCodeAsync(jit, how, Wait), Is.Not.Zero, jit.Transcript);
    }

    [Test]
    public async Task Under_MemoryDenyWriteExecute_the_AOT_binary_logs_into_Gerrit_and_publishes_at_QoS_1()
    {
        await using var gerrit = await TestGerrit.StartAsync();
        await using var broker = await Mosquitto.StartAsync();
        string topic = RunningBridge.UniqueTopic();
        await using var probe = await MqttProbe.StartAsync(broker, $"{topic}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        var before = gerrit.LiveStreamSessions().ToHashSet();
        await using var bridge = await MemoryDenyWriteExecute.StartAsync(work, MemoryDenyWriteExecute.Seccomp,
            [Binary, "--config", IniFile.ForBridge(gerrit, broker, topic, qos: 1)]);
        await RunningBridge.WaitForNewSessionAsync(gerrit, before, bridge);

        gerrit.Emit("""{"type":"change-merged","change":{"project":"mdwe"}}""");
        await probe.WaitForCountAsync(1, Wait);
        Assert.That(probe.Messages.Single().Topic, Is.EqualTo($"{topic}/mdwe/change-merged"));
    }

    [Test]
    public async Task The_deb_control_names_the_package_version_architecture_and_dependencies()
    {
        var info = await ProcessRunner.RunAsync("dpkg-deb", ["-I", Deb]);
        var fields = info.StdOut.Split('\n').Select(l => l.Trim()).Where(l => l.Contains(": "))
            .Select(l => l.Split(": ", 2)).GroupBy(f => f[0]).ToDictionary(g => g.Key, g => g.First()[1]);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(fields.GetValueOrDefault("Package"), Is.EqualTo("germqtt"), info.StdOut);
            // A Debian revision after the csproj version, so a rebuild (a runtime fix) can be a new package version.
            Assert.That(fields.GetValueOrDefault("Version"), Does.Match($"^{Regex.Escape(version)}-[1-9][0-9]*$"), info.StdOut);
            Assert.That(Path.GetFileName(Deb), Is.EqualTo($"germqtt_{fields.GetValueOrDefault("Version")}_amd64.deb"));
            Assert.That(fields.GetValueOrDefault("Architecture"), Is.EqualTo("amd64"), info.StdOut);
            Assert.That(fields.GetValueOrDefault("Depends"), Is.EqualTo("libc6, libssl3, adduser"), info.StdOut);
            Assert.That(fields.GetValueOrDefault("Description"), Does.Contain("Gerrit").And.Contain("MQTT"), info.StdOut);
            Assert.That(fields.GetValueOrDefault("Maintainer"),
                Is.EqualTo("germqtt maintainers <maintainers@users.noreply.r-seed-210b6892.example>"), info.StdOut);
        }
        Assert.That(info.StdOut, Does.Contain("postinst"));
    }

    [Test]
    public async Task The_deb_holds_the_AOT_binary_the_unit_the_manual_page_and_the_docs_and_nothing_else()
    {
        var listing = await ProcessRunner.RunAsync("dpkg-deb", ["-c", Deb]);
        var files = listing.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith('d')).ToDictionary(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1], l => l);
        Assert.That(files.Keys, Is.EquivalentTo(new[]
        {
            "./usr/bin/germqtt", "./lib/systemd/system/germqtt.service", "./usr/share/doc/germqtt/README.md",
            "./usr/share/doc/germqtt/germqtt.ini.sample", "./usr/share/doc/germqtt/copyright",
            "./usr/share/doc/germqtt/changelog.Debian.gz", "./usr/share/man/man1/germqtt.1.gz",
            "./usr/share/lintian/overrides/germqtt",
        }), listing.StdOut);
        Assert.That(files["./usr/bin/germqtt"], Does.StartWith("-rwxr-xr-x root/root"));
        Assert.That(files["./lib/systemd/system/germqtt.service"], Does.StartWith("-rw-r--r-- root/root"));

        Assert.That(File.ReadAllBytes(P("/usr/bin/germqtt")), Is.EqualTo(File.ReadAllBytes(Binary)), "the binary is out/aot/germqtt");
        Assert.That(File.ReadAllText(P("/usr/share/doc/germqtt/README.md")), Is.EqualTo(File.ReadAllText(Path.Combine(Repo.Root, "README.md"))));
        Assert.That(File.ReadAllText(P("/usr/share/doc/germqtt/germqtt.ini.sample")),
            Is.EqualTo(File.ReadAllText(Path.Combine(Repo.Root, "germqtt.ini.sample"))));
        Assert.That(File.ReadAllText(P("/usr/share/doc/germqtt/copyright")),
            Is.EqualTo(File.ReadAllText(Path.Combine(Repo.Root, "scripts", "debian", "copyright"))));
        Assert.That(File.ReadAllText(P("/usr/share/lintian/overrides/germqtt")),
            Is.EqualTo(File.ReadAllText(Path.Combine(Repo.Root, "scripts", "debian", "lintian-overrides"))));
        Assert.That(BuiltPackage.Gunzip(P("/usr/share/man/man1/germqtt.1.gz")), Is.EqualTo(File.ReadAllBytes(BuiltPackage.ManualPage)),
            "the packaged manual page is out/germqtt.1");
    }

    /// <summary>The packaged page is what scripts/manpage makes of this README, so neither can be edited alone.</summary>
    [Test]
    public async Task The_debs_manual_page_is_what_scripts_manpage_writes_from_the_README()
    {
        string regenerated = Path.Combine(work, "germqtt.1");
        await ProcessRunner.RunAsync(Repo.ScriptPath("manpage"), [regenerated]);
        Assert.That(BuiltPackage.Gunzip(P("/usr/share/man/man1/germqtt.1.gz")), Is.EqualTo(File.ReadAllBytes(regenerated)));
    }

    /// <summary>
    /// The sync rule: the package's unit is the Puppet template rendered with the module's defaults
    /// and MemoryDenyWriteExecute, under its own first line. A drift in either fails here.
    /// </summary>
    [Test]
    public async Task The_debs_unit_is_the_puppet_template_with_the_module_defaults_and_MemoryDenyWriteExecute()
    {
        string init = File.ReadAllText(Path.Combine(PuppetTools.ModuleDir("germqtt"), "manifests", "init.pp"));
        Assert.That(init, Does.Contain("Stdlib::Absolutepath $binary_path = '/usr/bin/germqtt',")
            .And.Contain("Stdlib::Absolutepath $config_file = '/etc/germqtt.ini',")
            .And.Contain("String[1] $user = 'germqtt',").And.Contain("String[1] $group = 'germqtt',"),
            "the module's defaults are the values the package renders the unit with");

        using var root = PuppetRoot.Create();
        var render = await root.RenderAsync("germqtt/germqtt.service.epp", $"{{ {PackageUnitValues} }}");
        Assert.That(render.ExitCode, Is.Zero, () => PuppetTools.Describe(render));
        var expected = render.StdOut.Split('\n');
        var shipped = File.ReadAllText(P("/lib/systemd/system/germqtt.service")).Split('\n');
        Assert.That(shipped[0], Is.EqualTo(PackageUnitHeader));
        Assert.That(shipped[1..], Is.EqualTo(expected[1..]));
        Assert.That(shipped, Does.Contain("Type=notify").And.Contain("MemoryDenyWriteExecute=yes")
            .And.Contain("ExecStart=/usr/bin/germqtt --config /etc/germqtt.ini"));

        // verify insists the ExecStart binary exists: point it at the extracted one.
        string unitDir = Path.Combine(work, "verify");
        Directory.CreateDirectory(unitDir);
        string unit = Path.Combine(unitDir, "germqtt.service");
        File.WriteAllText(unit, string.Join('\n', shipped).Replace("ExecStart=/usr/bin/germqtt ", $"ExecStart={P("/usr/bin/germqtt")} "));
        var verify = await PuppetTools.RunAsync("systemd-analyze", ["verify", "--man=no", "germqtt.service"], unitDir);
        Assert.That(verify.ExitCode, Is.Zero, () => PuppetTools.Describe(verify));
        Assert.That(verify.StdErr.Trim(), Is.Empty, () => PuppetTools.Describe(verify));
    }

    [TestCase(false, "--system --group --home /var/lib/germqtt --shell /usr/sbin/nologin germqtt")]
    [TestCase(true, null)]
    public async Task The_postinst_creates_the_germqtt_system_user_only_when_it_is_missing(bool userExists, string? adduserArguments)
    {
        string dir = Directory.CreateTempSubdirectory("germqtt-postinst-").FullName;
        try
        {
            await ProcessRunner.RunAsync("dpkg-deb", ["-e", Deb, Path.Combine(dir, "DEBIAN")]);
            // Stand-ins on PATH: the real ones would add a user to this machine.
            string bin = Directory.CreateDirectory(Path.Combine(dir, "bin")).FullName;
            string log = Path.Combine(dir, "adduser.log");
            Script(bin, "getent", userExists ? "echo 'germqtt:x:999:999::/var/lib/germqtt:/usr/sbin/nologin'" : "exit 2");
            Script(bin, "adduser", $"echo \"$*\" >> '{log}'");
            Script(bin, "systemctl", "exit 0");

            var run = await ProcessRunner.RunAsync("/bin/sh", [Path.Combine(dir, "DEBIAN", "postinst"), "configure"], check: false,
                environment: new Dictionary<string, string?> { ["PATH"] = $"{bin}:/usr/sbin:/usr/bin:/sbin:/bin" });
            Assert.That(run.ExitCode, Is.Zero, () => PuppetTools.Describe(run));
            Assert.That(File.Exists(log) ? File.ReadAllText(log).Trim() : null, Is.EqualTo(adduserArguments));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private string P(string path) => Path.Combine(Extracted, path.TrimStart('/'));

    private static void Script(string dir, string name, string body)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, $"#!/bin/sh\n{body}\n");
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
    }

    private static async Task<(IReadOnlyList<string> StdOut, double Ms)> TimedAsync(string fileName, IEnumerable<string> arguments)
    {
        var clock = Stopwatch.StartNew();
        await using var process = CapturedProcess.Start(fileName, arguments);
        Assert.That(await process.WaitForExitAsync(Wait), Is.Zero, process.Transcript);
        return (process.StdOut, clock.Elapsed.TotalMilliseconds);
    }

    private static string Summary(List<double> ms) =>
        $"min {ms.Min():0.0} ms, median {ms.Order().ElementAt(ms.Count / 2):0.0} ms, max {ms.Max():0.0} ms";
}
