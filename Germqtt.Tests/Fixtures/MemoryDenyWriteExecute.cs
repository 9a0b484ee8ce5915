namespace Germqtt.Tests.Fixtures;

/// <summary>
/// Runs a command under an emulation of the unit's MemoryDenyWriteExecute=yes, since systemd is
/// not PID 1 here. Two ways, as systemd has them: <see cref="Prctl"/> is the kernel's
/// PR_SET_MDWE (Linux 6.3+, what newer systemd uses), <see cref="Seccomp"/> the filter systemd 252
/// (Debian 12) installs. Both are inherited across exec, so the wrapper sets one up and execs.
/// </summary>
public static class MemoryDenyWriteExecute
{
    public const string Prctl = "prctl";
    public const string Seccomp = "seccomp";

    /// <summary>The wrapper's exit code when the kernel has no PR_SET_MDWE.</summary>
    public const int Unsupported = 97;

    private const string Wrapper = """
        # argv: prctl|seccomp command...
        import ctypes, errno, os, sys
        if sys.argv[1] == "prctl":
            PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN = 65, 1
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) != 0:
                print("prctl(PR_SET_MDWE): " + os.strerror(ctypes.get_errno()), file=sys.stderr)
                sys.exit(97)
        else:
            import seccomp
            PROT_WRITE, PROT_EXEC, SHM_EXEC = 0x2, 0x4, 0o100000
            f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
            deny = seccomp.ERRNO(errno.EPERM)
            f.add_rule(deny, "mmap", seccomp.Arg(2, seccomp.MASKED_EQ, PROT_WRITE | PROT_EXEC, PROT_WRITE | PROT_EXEC))
            f.add_rule(deny, "mprotect", seccomp.Arg(2, seccomp.MASKED_EQ, PROT_EXEC, PROT_EXEC))
            f.add_rule(deny, "pkey_mprotect", seccomp.Arg(2, seccomp.MASKED_EQ, PROT_EXEC, PROT_EXEC))
            f.add_rule(deny, "shmat", seccomp.Arg(2, seccomp.MASKED_EQ, SHM_EXEC, SHM_EXEC))
            f.load()
        os.execv(sys.argv[2], sys.argv[2:])
        """;

    /// <summary>Starts <paramref name="command"/> (a full path, then its arguments) under the restriction <paramref name="how"/>.</summary>
    public static async Task<CapturedProcess> StartAsync(string workDir, string how, IReadOnlyList<string> command)
    {
        await PuppetTools.RequirePackagesAsync("python3-seccomp");
        string wrapper = Path.Combine(workDir, "mdwe-exec.py");
        await File.WriteAllTextAsync(wrapper, Wrapper);
        // Debian's python3 (not a pyenv one) has the seccomp module.
        return CapturedProcess.Start("/usr/bin/python3", [wrapper, how, .. command]);
    }

    /// <summary>Waits for the exit code; skips the test when the kernel cannot do <paramref name="how"/>.</summary>
    public static async Task<int> ExitCodeAsync(CapturedProcess process, string how, TimeSpan timeout)
    {
        int code = await process.WaitForExitAsync(timeout);
        if (how == Prctl && code == Unsupported && process.StdErr.Any(l => l.StartsWith("prctl(PR_SET_MDWE)", StringComparison.Ordinal)))
            Assert.Ignore($"this kernel has no PR_SET_MDWE: {string.Join(" ", process.StdErr)}");
        return code;
    }
}
