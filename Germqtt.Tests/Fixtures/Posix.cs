using System.Runtime.InteropServices;

namespace Germqtt.Tests.Fixtures;

/// <summary>Signal numbers as Linux defines them (the same on x86-64 and arm64).</summary>
public static class Signals
{
    public const int SIGHUP = 1;
    public const int SIGINT = 2;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int SIGCONT = 18;
    public const int SIGSTOP = 19;
}

/// <summary>Signals and the process tree, read straight from the kernel.</summary>
internal static class Posix
{
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);

    /// <summary>Sends <paramref name="signal"/>; false when the process is already gone.</summary>
    public static bool Kill(int pid, int signal)
    {
        if (SysKill(pid, signal) == 0) return true;
        const int ESRCH = 3;
        int errno = Marshal.GetLastPInvokeError();
        if (errno == ESRCH) return false;
        throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {errno}");
    }

    /// <summary>
    /// Running or stopped, but not a zombie: PID 1 on these machines reaps orphans late, so a
    /// killed process can keep its /proc entry for a while.
    /// </summary>
    public static bool IsAlive(int pid) => Stat(pid) is { State: not 'Z' };

    /// <summary>The process's arguments joined by NUL, or "" when it is gone.</summary>
    public static string CommandLine(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return ""; }
    }

    /// <summary>
    /// The local ports of the TCP connections to <paramref name="remotePort"/> that
    /// <paramref name="pid"/> or a process below it holds open.
    /// </summary>
    public static IReadOnlySet<int> TcpClientPorts(int pid, int remotePort)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (int p in Descendants(pid).Prepend(pid))
        {
            try
            {
                foreach (string fd in Directory.EnumerateFileSystemEntries($"/proc/{p}/fd"))
                {
                    string? target = new FileInfo(fd).LinkTarget;
                    if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal)) inodes.Add(target[8..^1]);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }   // exited meanwhile
        }
        var ports = new HashSet<int>();
        foreach (string table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table)) continue;
            // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
            foreach (string[] f in File.ReadLines(table).Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            {
                if (f.Length > 9 && inodes.Contains(f[9]) && PortOf(f[2]) == remotePort) ports.Add(PortOf(f[1]));
            }
        }
        return ports;

        static int PortOf(string address) => Convert.ToInt32(address[(address.LastIndexOf(':') + 1)..], 16);
    }

    public static IReadOnlyList<int> Children(int pid) =>
        AllStats().Where(s => s.ParentPid == pid && s.State != 'Z').Select(s => s.Pid).ToList();

    /// <summary>Every live process below <paramref name="pid"/>, parents before children.</summary>
    public static IReadOnlyList<int> Descendants(int pid)
    {
        var byParent = AllStats().Where(s => s.State != 'Z').ToLookup(s => s.ParentPid, s => s.Pid);
        var result = new List<int>();
        var queue = new Queue<int>([pid]);
        while (queue.TryDequeue(out int current))
        {
            foreach (int child in byParent[current])
            {
                result.Add(child);
                queue.Enqueue(child);
            }
        }
        return result;
    }

    private readonly record struct ProcStat(int Pid, char State, int ParentPid);

    private static IEnumerable<ProcStat> AllStats()
    {
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out int pid) && Stat(pid) is { } stat) yield return stat;
        }
    }

    private static ProcStat? Stat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;    // exited between listing and reading
        }
        // The command name (field 2) may contain spaces and ')'; the fields after its last ')' are fixed.
        string[] rest = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return new ProcStat(pid, rest[0][0], int.Parse(rest[1]));
    }
}
