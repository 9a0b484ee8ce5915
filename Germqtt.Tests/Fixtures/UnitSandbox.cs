using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;

namespace Germqtt.Tests.Fixtures;

/// <summary>
/// Runs a command inside an emulation of the germqtt unit's sandbox, since systemd is not PID 1
/// here: the unit's SystemCallFilter= (expanded by `systemd-analyze syscall-filter`, enforced by
/// a libseccomp filter loaded before exec, python3-seccomp) and its ProcSubset=pid /
/// ProtectProc=invisible (a private /proc mounted with subset=pid,hidepid=invisible in new mount
/// and pid namespaces).
/// </summary>
public static class UnitSandbox
{
    private const string SeccompWrapper = """
        # argv: allow-file deny-file eperm|kill command...
        import errno, os, sys, seccomp
        allow = set(open(sys.argv[1]).read().split())
        deny = set(open(sys.argv[2]).read().split())
        action = seccomp.ERRNO(errno.EPERM) if sys.argv[3] == "eperm" else seccomp.KILL_PROCESS
        f = seccomp.SyscallFilter(defaction=action)
        for name in sorted(allow - deny):
            try:
                f.add_rule(seccomp.ALLOW, name)
            except Exception:
                pass  # a name this architecture has no system call for
        f.load()
        os.execv(sys.argv[4], sys.argv[4:])
        """;

    /// <summary>The system calls a unit's SystemCallFilter= lines allow, minus those a "~" line denies.</summary>
    public static async Task<(HashSet<string> Allow, HashSet<string> Deny, bool Eperm)> FilterOfAsync(string unitText)
    {
        var allow = new HashSet<string>();
        var deny = new HashSet<string>();
        var cache = new Dictionary<string, HashSet<string>>();
        foreach (string line in unitText.Split('\n').Select(l => l.Trim()))
        {
            if (!line.StartsWith("SystemCallFilter=", StringComparison.Ordinal)) continue;
            string value = line["SystemCallFilter=".Length..];
            bool negated = value.StartsWith('~');
            foreach (string item in value.TrimStart('~').Split(' ', StringSplitOptions.RemoveEmptyEntries))
                (negated ? deny : allow).UnionWith(await ExpandAsync(item, cache));
        }
        if (allow.Count == 0) Assert.Fail("the unit has no SystemCallFilter= allow list");
        bool eperm = unitText.Split('\n').Any(l => l.Trim() == "SystemCallErrorNumber=EPERM");
        return (allow, deny, eperm);
    }

    private static async Task<HashSet<string>> ExpandAsync(string item, Dictionary<string, HashSet<string>> cache)
    {
        if (!item.StartsWith('@')) return [item];
        if (cache.TryGetValue(item, out var known)) return known;
        var result = await PuppetTools.RunAsync("systemd-analyze", ["syscall-filter", "--no-pager", item]);
        Assert.That(result.ExitCode, Is.Zero, () => PuppetTools.Describe(result));
        var calls = new HashSet<string>();
        cache[item] = calls;
        foreach (string line in result.StdOut.Split('\n'))
        {
            // "@group" heading at column 0, then indented "# comment" and member lines.
            if (!line.StartsWith(' ')) continue;
            string member = line.Trim();
            if (member.Length == 0 || member.StartsWith('#')) continue;
            calls.UnionWith(await ExpandAsync(member, cache));
        }
        if (calls.Count == 0) Assert.Fail($"systemd-analyze syscall-filter {item} listed nothing\n{PuppetTools.Describe(result)}");
        return calls;
    }

    /// <summary>Starts <paramref name="command"/> under the filter, with a pid-only /proc.</summary>
    public static async Task<CapturedProcess> StartAsync(
        string workDir, ISet<string> allow, ISet<string> deny, bool eperm, IReadOnlyList<string> command)
    {
        await PuppetTools.RequirePackagesAsync("python3-seccomp");
        string wrapper = Path.Combine(workDir, "seccomp-exec.py");
        string allowFile = Path.Combine(workDir, "allow.txt");
        string denyFile = Path.Combine(workDir, "deny.txt");
        await File.WriteAllTextAsync(wrapper, SeccompWrapper);
        await File.WriteAllLinesAsync(allowFile, allow.Order(StringComparer.Ordinal));
        await File.WriteAllLinesAsync(denyFile, deny.Order(StringComparer.Ordinal));
        // Debian's python3 (not a pyenv one) has the seccomp module.
        string inner = string.Join(' ', new[] { "/usr/bin/python3", wrapper, allowFile, denyFile, eperm ? "eperm" : "kill" }
            .Concat(command).Select(ShellQuote));
        return CapturedProcess.Start(PuppetTools.Require("unshare"),
        [
            "--mount", "--pid", "--fork", "--propagation", "private", "/bin/sh", "-c",
            $"mount -t proc -o subset=pid,hidepid=invisible proc /proc && test ! -e /proc/meminfo && exec {inner}",
        ]);
    }

    private static string ShellQuote(string s) => "'" + s.Replace("'", @"'\''") + "'";
}
