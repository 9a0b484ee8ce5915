using System.Globalization;
using System.Text;

namespace Germqtt.Tests.Fixtures;

/// <summary>
/// A real OpenSSH sshd on loopback that answers like Gerrit (scripts/test-gerrit). Events are
/// appended to a feed file; every `gerrit stream-events` session streams what is appended
/// after it started, as Gerrit does. Beside it, on HTTP, the events-log plugin's REST endpoint
/// (<see cref="EventsLog"/>) keeps every project event with its creation time.
/// </summary>
/// <remarks>
/// Seen as root with OpenSSH 9.2: listener sshd → one "sshd: root@notty" per connection → the
/// ForceCommand, which execs tail (or, for a lossy session, scripts/test-gerrit-follow), so a
/// session marker's pid is the tail's.
/// </remarks>
public sealed partial class TestGerrit : IAsyncDisposable
{
    /// <summary>What Gerrit 3.x prints when the account lacks the "Stream Events" capability.</summary>
    public const string DefaultRefusal = "not permitted: stream events";

    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(60);
    private readonly HashSet<int> frozen = [];

    private TestGerrit(string dir, int port, int listenerPid, string fingerprint)
    {
        Dir = dir;
        Port = port;
        ListenerPid = listenerPid;
        HostFingerprint = fingerprint;
        HttpPort = ReadHttpPort(dir);
        EventsLog = new TestGerritEventsLog(this);
    }

    public static string Host => "127.0.0.1";
    public int Port { get; }
    public static string Username => Environment.UserName;
    public string Dir { get; }
    public string KeyPath => Path.Combine(Dir, "id_ed25519");
    public string KnownHostsPath => Path.Combine(Dir, "known_hosts");
    /// <summary>"SHA256:…" of the ed25519 host key, as `ssh-keygen -lf` prints it.</summary>
    public string HostFingerprint { get; }
    public string FeedPath => Path.Combine(Dir, "feed");
    public string SshdLogPath => Path.Combine(Dir, "sshd.log");
    public int ListenerPid { get; private set; }

    /// <summary>Loopback port of the HTTP side; kept across <see cref="RestartAsync"/> unless taken meanwhile.</summary>
    public int HttpPort { get; private set; }
    /// <summary>Gerrit's web URL, ending in '/'.</summary>
    public Uri HttpUrl => new($"http://{Host}:{HttpPort}/");
    /// <summary>The account's HTTP credentials (not its SSH key), as Gerrit's /a/ REST paths ask for.</summary>
    public string HttpUsername => File.ReadAllText(Path.Combine(Dir, "http_username")).Trim();
    public string HttpPassword => File.ReadAllText(Path.Combine(Dir, "http_password")).Trim();
    public TestGerritEventsLog EventsLog { get; }

    private string SessionsDir => Path.Combine(Dir, "sessions");
    private string RefusePath => Path.Combine(Dir, "refuse");
    private string CommandsLogPath => Path.Combine(Dir, "commands.log");

    public static async Task<TestGerrit> StartAsync()
    {
        string dir = Directory.CreateTempSubdirectory("germqtt-gerrit-").FullName;
        string script = Repo.ScriptPath("test-gerrit");
        // FreePort can lose a race with another process; a fresh port usually wins the next try.
        for (int attempt = 1; ; attempt++)
        {
            int port = FreePort.Next();
            try
            {
                await ProcessRunner.RunAsync(script, ["start", dir, port.ToString()], ScriptTimeout);
                string fingerprint = File.ReadAllText(Path.Combine(dir, "host_fingerprint")).Trim();
                return new TestGerrit(dir, port, ReadPid(dir), fingerprint);
            }
            catch (Exception e) when (attempt < 3 && e.Message.Contains("Address already in use"))
            {
                await ProcessRunner.RunAsync(script, ["stop", dir], ScriptTimeout, check: false);
            }
            catch (Exception)
            {
                await ProcessRunner.RunAsync(script, ["stop", dir], ScriptTimeout, check: false);
                Directory.Delete(dir, recursive: true);
                throw;
            }
        }
    }

    /// <summary>Appends each line plus '\n' to the feed in one write.</summary>
    public void Emit(params string[] lines) =>
        EmitBytes(Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n"))));

    /// <summary>Appends <paramref name="raw"/> exactly as given, in one write, so no stream sees half of it.</summary>
    public void EmitBytes(byte[] raw)
    {
        using var feed = new FileStream(FeedPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        feed.Write(raw);
    }

    /// <summary>
    /// Makes <paramref name="perSecond"/> realistic project events a second (patchset-created,
    /// comment-added, ref-updated, change-merged, each with eventCreatedOn) in the background,
    /// sessions or not, until <paramref name="count"/> are made or <see cref="StopProducerAsync"/>.
    /// Replaces a producer already running; <see cref="StopAsync"/> stops it too.
    /// </summary>
    public Task StartProducerAsync(double perSecond, int? count = null) =>
        ProcessRunner.RunAsync(Repo.ScriptPath("test-gerrit"),
            ["produce", Dir, perSecond.ToString(CultureInfo.InvariantCulture), .. count is int n ? [n.ToString(CultureInfo.InvariantCulture)] : Array.Empty<string>()],
            ScriptTimeout);

    /// <summary>Complete lines in the feed so far.</summary>
    public int FeedLines() => SharedFile.ReadAllText(FeedPath).Count(c => c == '\n');

    /// <summary>Waits until <paramref name="more"/> lines were added to the feed (by the producer).</summary>
    public async Task WaitForFeedGrowthAsync(int more, TimeSpan timeout)
    {
        int target = FeedLines() + more;
        await Eventually.UntilAsync(() => FeedLines() >= target, timeout, $"{more} more events in the feed", Describe);
    }

    /// <summary>Kills the producer; once this returns, it writes nothing more.</summary>
    public Task StopProducerAsync() => ProcessRunner.RunAsync(Repo.ScriptPath("test-gerrit"), ["produce", Dir, "0"], ScriptTimeout);

    /// <summary>Arguments for OpenSSH's client to run <paramref name="command"/> on this Gerrit as the login account.</summary>
    public string[] SshArguments(params string[] command) =>
    [
        "-n", "-T", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
        "-o", $"UserKnownHostsFile={KnownHostsPath}", "-o", "GlobalKnownHostsFile=/dev/null",
        "-i", KeyPath, "-p", Port.ToString(CultureInfo.InvariantCulture), $"{Username}@{Host}",
        .. command,
    ];

    /// <summary>New `gerrit stream-events` calls fail with <paramref name="message"/> on stderr and exit 1.</summary>
    public void Refuse(string message = DefaultRefusal) =>
        File.WriteAllText(RefusePath, message.EndsWith('\n') ? message : message + "\n");

    public void Accept() => File.Delete(RefusePath);

    /// <summary>Whether the login account may run administrator-only commands (gerrit show-connections).</summary>
    public void GrantAdministrator(bool granted)
    {
        string path = Path.Combine(Dir, "admin");
        if (granted) File.WriteAllText(path, "");
        else File.Delete(path);
    }

    /// <summary>Pids of stream-events sessions still running, oldest first.</summary>
    public IReadOnlyList<int> LiveStreamSessions() =>
        Directory.EnumerateFiles(SessionsDir)
            .Select(f => (Path: f, Pid: int.TryParse(Path.GetFileName(f), out int pid) ? pid : 0))
            .Where(s => s.Pid > 0 && IsStreaming(s.Pid))
            .OrderBy(s => File.GetLastWriteTimeUtc(s.Path))
            .ThenBy(s => s.Pid)
            .Select(s => s.Pid)
            .ToList();

    /// <summary>
    /// Markers outlive their sessions and pids are reused (pid_max is often 32768, and threads take
    /// pids too): a marker counts only while its pid is still the tail that reads this feed.
    /// </summary>
    private bool IsStreaming(int pid) =>
        Posix.IsAlive(pid) && Posix.CommandLine(pid).Contains($"{Path.GetFileName(Dir)}/feed\0", StringComparison.Ordinal);

    /// <summary>
    /// The live stream-events sessions that <paramref name="clientPid"/> (or a process below it)
    /// opened: each marker holds its session's SSH_CONNECTION, whose client port is matched with the
    /// client's connections. A session of an earlier client that is still being torn down, or
    /// that only started after its client was killed, is not taken for this one's.
    /// </summary>
    public IReadOnlyList<int> StreamSessionsOf(int clientPid)
    {
        var ports = Posix.TcpClientPorts(clientPid, Port);
        return LiveStreamSessions().Where(pid => ClientPort(pid) is int port && ports.Contains(port)).ToList();
    }

    private int? ClientPort(int sessionPid)
    {
        string[] connection = SharedFile.ReadAllText(Path.Combine(SessionsDir, sessionPid.ToString(CultureInfo.InvariantCulture)))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return connection.Length == 4 && int.TryParse(connection[1], CultureInfo.InvariantCulture, out int port) ? port : null;
    }

    /// <summary>Waits until exactly <paramref name="count"/> stream-events sessions are running.</summary>
    public Task WaitForStreamSessionsAsync(int count, TimeSpan timeout) =>
        Eventually.UntilAsync(
            () => LiveStreamSessions().Count == count,
            timeout,
            $"{count} live stream-events session(s) on the test Gerrit",
            Describe);

    /// <summary>Every command a client asked for, in order, without the pid prefix.</summary>
    public IReadOnlyList<string> Commands() =>
        SharedFile.ReadAllText(CommandsLogPath)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.IndexOf(' ') is var i and >= 0 ? line[(i + 1)..] : "")
            .ToList();

    /// <summary>Per-connection sshd processes, authenticated or not.</summary>
    public int SshdConnectionCount() => Posix.Children(ListenerPid).Count;

    /// <summary>
    /// SIGKILLs every process below the listener, as if Gerrit dropped all connections at once;
    /// the listener stays, so clients can reconnect. Returns the pids it killed.
    /// </summary>
    public IReadOnlyList<int> KillSessions()
    {
        var victims = Posix.Descendants(ListenerPid);
        foreach (int pid in victims) Posix.Kill(pid, Signals.SIGKILL);
        frozen.ExceptWith(victims);
        return victims;
    }

    /// <summary>SIGSTOPs the same set as <see cref="KillSessions"/>: connections stay open but nothing answers.</summary>
    public IReadOnlyList<int> FreezeSessions()
    {
        var victims = Posix.Descendants(ListenerPid);
        foreach (int pid in victims) Posix.Kill(pid, Signals.SIGSTOP);
        frozen.UnionWith(victims);
        return victims;
    }

    public void ThawSessions()
    {
        // Includes processes that were frozen but have been re-parented away from the listener since.
        foreach (int pid in frozen.Union(Posix.Descendants(ListenerPid))) Posix.Kill(pid, Signals.SIGCONT);
        frozen.Clear();
    }

    /// <summary>Kills the listener and every session: new connections are refused until <see cref="RestartAsync"/>.</summary>
    public Task StopAsync()
    {
        frozen.Clear();
        return ProcessRunner.RunAsync(Repo.ScriptPath("test-gerrit"), ["stop", Dir], ScriptTimeout);
    }

    /// <summary>Stops, then starts again on the same port with the same host keys, as a restarted Gerrit would.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await ProcessRunner.RunAsync(Repo.ScriptPath("test-gerrit"), ["start", Dir, Port.ToString()], ScriptTimeout);
        ListenerPid = ReadPid(Dir);
        HttpPort = ReadHttpPort(Dir);
    }

    /// <summary>State for failure messages: processes, sessions, commands and the tail of sshd's log.</summary>
    public string Describe()
    {
        var log = SharedFile.ReadAllText(SshdLogPath).Split('\n');
        return $"test gerrit {Host}:{Port} listener pid {ListenerPid} (alive: {Posix.IsAlive(ListenerPid)})\n"
               + $"  processes below listener: [{string.Join(", ", Posix.Descendants(ListenerPid))}]\n"
               + $"  live stream sessions: [{string.Join(", ", LiveStreamSessions())}]\n"
               + $"  commands: [{string.Join(" | ", Commands())}]\n"
               + $"  events log {HttpUrl}, last lines of events_log.log:\n    "
               + string.Join("\n    ", SharedFile.ReadAllText(Path.Combine(Dir, "events_log.log")).Split('\n').TakeLast(5)) + "\n"
               + "  sshd.log (last 20 lines):\n    " + string.Join("\n    ", log.TakeLast(20));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await ProcessRunner.RunAsync(Repo.ScriptPath("test-gerrit"), ["stop", Dir], ScriptTimeout);
        }
        finally
        {
            Directory.Delete(Dir, recursive: true);
        }
    }

    private static int ReadHttpPort(string dir) => int.Parse(File.ReadAllText(Path.Combine(dir, "http_port")).Trim(), CultureInfo.InvariantCulture);

    private static int ReadPid(string dir) => int.Parse(File.ReadAllText(Path.Combine(dir, "sshd.pid")).Trim());
}
