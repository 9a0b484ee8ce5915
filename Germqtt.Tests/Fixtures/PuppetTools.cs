using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;

namespace Germqtt.Tests.Fixtures;

/// <summary>
/// The Puppet tooling Debian 12 packages (puppet 7, puppet-lint, rspec-puppet, puppet-strings,
/// metadata-json-lint, stdlib) and the project's modules under puppet/. Every command gets a
/// private confdir/vardir, so tests never touch /etc/puppet or /var/cache/puppet.
/// </summary>
public static class PuppetTools
{
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(120);
    public const string StdlibDir = "/usr/share/puppet/modules/stdlib";
    public static readonly string[] Modules = ["mosquitto", "germqtt"];

    // The Debian package that brings each tool; scripts/deps installs all of them.
    private static readonly Dictionary<string, string> PackageOf = new()
    {
        ["puppet"] = "puppet",
        ["puppet-lint"] = "puppet-lint",
        ["rake"] = "ruby-puppetlabs-spec-helper",
        ["metadata-json-lint"] = "metadata-json-lint",
        ["systemd-analyze"] = "systemd",
        ["mosquitto"] = "mosquitto",
        ["mosquitto_pub"] = "mosquitto-clients",
        ["openssl"] = "openssl",
        ["unshare"] = "util-linux",
        ["node"] = "nodejs",
        ["npm"] = "npm",
    };

    public static string PuppetDir => Path.Combine(Repo.Root, "puppet");
    public static string ModuleDir(string module) => Path.Combine(PuppetDir, module);

    /// <summary>Every file below <paramref name="dir"/> whose name ends in <paramref name="suffix"/>, sorted; fails when there is none.</summary>
    public static IReadOnlyList<string> FilesUnder(string dir, string suffix)
    {
        var files = Directory.Exists(dir)
            ? Directory.EnumerateFiles(dir, "*" + suffix, SearchOption.AllDirectories)
                .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}fixtures{Path.DirectorySeparatorChar}"))
                .Order(StringComparer.Ordinal).ToList()
            : [];
        if (files.Count == 0) Assert.Fail($"no *{suffix} files under {dir}");
        return files;
    }

    /// <summary>The full path of <paramref name="tool"/> on PATH (or in sbin); fails naming the package when it is missing.</summary>
    public static string Require(string tool)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]);
        foreach (string dir in dirs)
        {
            string path = Path.Combine(dir, tool);
            if (File.Exists(path)) return path;
        }
        Assert.Fail($"{tool} is not installed: run scripts/deps, which installs the Debian package " +
                    $"{PackageOf.GetValueOrDefault(tool, tool)}");
        return "";
    }

    /// <summary>Fails naming scripts/deps unless every Debian package in <paramref name="packages"/> is installed.</summary>
    public static async Task RequirePackagesAsync(params string[] packages)
    {
        var result = await ProcessRunner.RunAsync("dpkg-query", ["-W", "-f=${Package} ${Status}\n", .. packages], check: false);
        var installed = result.StdOut.Split('\n')
            .Where(l => l.EndsWith(" install ok installed", StringComparison.Ordinal))
            .Select(l => l.Split(' ')[0]).ToHashSet();
        var missing = packages.Where(p => !installed.Contains(p)).ToList();
        if (missing.Count > 0)
            Assert.Fail($"Debian package(s) {string.Join(", ", missing)} not installed: run scripts/deps, which installs them");
    }

    /// <summary>
    /// Runs a tool to completion (no exit-code check) with a UTF-8 locale; facter's harmless
    /// "/proc/1/environ" permission errors are removed from both outputs.
    /// </summary>
    public static async Task<ProcessResult> RunAsync(
        string tool, IEnumerable<string> arguments, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var result = await ProcessRunner.RunAsync(
            Require(tool), arguments, timeout ?? CommandTimeout, check: false, workingDirectory: workingDirectory,
            environment: new Dictionary<string, string?> { ["LANG"] = "C.UTF-8", ["LC_ALL"] = "C.UTF-8" });
        return result with { StdOut = WithoutFacterNoise(result.StdOut), StdErr = WithoutFacterNoise(result.StdErr) };
    }

    /// <summary>
    /// `puppet SUBCOMMAND ...` with Puppet's settings directories below <paramref name="settingsDir"/>,
    /// or below a temp dir removed afterwards.
    /// </summary>
    public static async Task<ProcessResult> PuppetAsync(
        string subcommand, IEnumerable<string> arguments, string? workingDirectory = null, string? settingsDir = null)
    {
        string dir = settingsDir ?? Directory.CreateTempSubdirectory("germqtt-puppet-settings-").FullName;
        try
        {
            return await RunAsync("puppet", [subcommand, .. SettingsArguments(dir), .. arguments], workingDirectory);
        }
        finally
        {
            if (settingsDir is null) Directory.Delete(dir, recursive: true);
        }
    }

    public static IEnumerable<string> SettingsArguments(string dir) =>
    [
        $"--confdir={dir}/etc", $"--vardir={dir}/var", $"--codedir={dir}/code",
        $"--logdir={dir}/log", $"--rundir={dir}/run",
    ];

    /// <summary>Facter cannot read /proc/1/environ here (container detection); it says so ~9 times per run.</summary>
    public static string WithoutFacterNoise(string text) =>
        string.Join('\n', text.Split('\n').Where(l => !l.Contains("/proc/1/environ")));

    public static string Describe(ProcessResult r) =>
        $"exit code {r.ExitCode}\n--- stdout ---\n{r.StdOut}\n--- stderr ---\n{r.StdErr}";

    /// <summary>A Puppet single-quoted string literal.</summary>
    public static string Quote(string value) => "'" + value.Replace(@"\", @"\\").Replace("'", @"\'") + "'";

    /// <summary>
    /// Copies a module's tree (without spec/fixtures or .yardoc) to a fresh temp dir, into a
    /// directory named like the module, for tools that write where they run (rake spec, puppet strings).
    /// </summary>
    public static string CopyModule(string module)
    {
        string target = Path.Combine(Directory.CreateTempSubdirectory("germqtt-module-").FullName, module);
        CopyTree(ModuleDir(module), target);
        return target;
    }

    private static void CopyTree(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (string file in Directory.EnumerateFiles(source))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        foreach (string dir in Directory.EnumerateDirectories(source))
        {
            string name = Path.GetFileName(dir);
            if (name == ".yardoc" || (name == "fixtures" && Path.GetFileName(source) == "spec")) continue;
            CopyTree(dir, Path.Combine(target, name));
        }
    }

    /// <summary>The host that runs the tests, so the wrapper runs germqtt on the runtime the tests were built against.</summary>
    public static string DotnetHost()
    {
        string? self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (host is not null && File.Exists(host)) return host;
        return Require("dotnet");
    }

    /// <summary>
    /// Writes an executable shell script that runs the freshly built germqtt
    /// (`dotnet germqtt.dll ARGS`): what the unit's ExecStart and the INI's validate_cmd run.
    /// </summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public static string WriteGermqttWrapper(string path)
    {
        string script = "#!/bin/sh\n"
                        + "# The germqtt the tests built, standing in for /usr/bin/germqtt.\n"
                        + $"exec {ShellQuote(DotnetHost())} {ShellQuote(GermqttProcess.DllPath)} \"$@\"\n";
        File.WriteAllText(path, script);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                                   | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
                                   | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return path;
    }

    private static string ShellQuote(string s) => "'" + s.Replace("'", @"'\''") + "'";
}
