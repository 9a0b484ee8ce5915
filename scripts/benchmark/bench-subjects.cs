// What scripts/bench measures: germqtt, and the `ssh | mosquitto_pub -l` pipeline that is its limit.
using System.Diagnostics;
using System.Runtime.InteropServices;

/// <summary>Where the bench runs: the test Gerrit's directory and the broker.</summary>
record Setup(string GerritDir, int MqttPort, int BrokerPid, string WorkDir)
{
    public string Feed => Path.Combine(GerritDir, "feed");
    public string User => Environment.UserName;
    public int GerritPort => int.Parse(File.ReadAllText(Path.Combine(GerritDir, "port")).Trim());
}

/// <summary>CPU time and memory of a set of processes, read from /proc.</summary>
record struct Usage(double CpuSeconds, long PeakRssKb, long RssKb)
{
    static readonly double TicksPerSecond = 100; // USER_HZ, the same on every Linux build

    public static Usage Of(IEnumerable<int> pids)
    {
        double cpu = 0;
        long peak = 0, rss = 0;
        foreach (int pid in pids)
        {
            try
            {
                string stat = File.ReadAllText($"/proc/{pid}/stat");
                // comm may hold spaces; utime and stime are fields 14 and 15, counted after its ')'.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                cpu += (long.Parse(fields[11]) + long.Parse(fields[12])) / TicksPerSecond;
                foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                {
                    if (line.StartsWith("VmHWM:")) peak += Kb(line);
                    else if (line.StartsWith("VmRSS:")) rss += Kb(line);
                }
            }
            catch (IOException) { /* exited meanwhile */ }
        }
        return new Usage(cpu, peak, rss);
    }

    static long Kb(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);

    public static List<int> ChildrenOf(int parent)
    {
        var children = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                if (int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]) == parent) children.Add(pid);
            }
            catch (IOException) { }
        }
        return children;
    }

    /// <summary>A zombie still has a /proc entry; only its state tells it is gone.</summary>
    public static bool Alive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2] != 'Z';
        }
        catch (IOException) { return false; }
    }
}

abstract class Subject(string name)
{
    [DllImport("libc", SetLastError = true)]
    protected static extern int kill(int pid, int signal);
    protected const int SIGTERM = 15, SIGKILL = 9;

    public string Name { get; } = name;
    protected Process? Shell;
    protected string LogPath = "";

    /// <summary>The topic every event must arrive on.</summary>
    public abstract string TopicFor(EventFeed feed, int i);

    /// <summary>The processes whose CPU and memory count as the subject's.</summary>
    public abstract IReadOnlyList<int> Pids { get; }

    public abstract void Start(Setup setup, int qos, string runName);

    /// <summary>Asks the subject to stop as it would be stopped in production, then waits for it.</summary>
    public abstract Task StopAsync();

    /// <summary>
    /// Started through bash so that stderr goes to a file without the harness pumping it, and so
    /// that no subject holds the harness's stdin or stdout.
    /// </summary>
    protected void Launch(string script, string runName, Setup setup)
    {
        LogPath = Path.Combine(setup.WorkDir, $"{runName}.log");
        var info = new ProcessStartInfo("bash", ["-c", $"{{ {script}; }} </dev/null >/dev/null 2>>{Quote(LogPath)}"]) { UseShellExecute = false };
        Shell = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {Name}");
    }

    public bool HasExited => Shell?.HasExited ?? true;

    public string LogTail(int lines = 5) =>
        File.Exists(LogPath) ? string.Join("\n", File.ReadLines(LogPath).TakeLast(lines)) : "";

    protected async Task WaitOrKillAsync(TimeSpan grace)
    {
        if (Shell is null) return;
        using var timeout = new CancellationTokenSource(grace);
        try { await Shell.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            foreach (int pid in Usage.ChildrenOf(Shell.Id).Append(Shell.Id)) kill(pid, SIGKILL);
            await Shell.WaitForExitAsync();
        }
    }

    protected static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";
}

/// <summary>
/// germqtt as published (framework-dependent apphost, or the NativeAOT binary); with
/// <paramref name="redact"/>, configured with `[filter] redact_fields = email`; <paramref name="more"/>
/// gives further lines for a section ("default", "gerrit").
/// </summary>
sealed class Germqtt(string name, string executable, bool redact = false, Func<string, string>? more = null) : Subject(name)
{
    public bool Redacts => redact;
    int _pid;

    public static string Topic(EventFeed feed, int i) => $"gerrit/{feed.Project[i].Replace("+", "%2B")}/{feed.Type[i]}";

    public override string TopicFor(EventFeed feed, int i) => Topic(feed, i);

    public override IReadOnlyList<int> Pids => [_pid];

    public override void Start(Setup setup, int qos, string runName)
    {
        string ini = Path.Combine(setup.WorkDir, $"{runName}.ini");
        File.WriteAllText(ini, $"""
            [default]
            stats_interval = 0
            {more?.Invoke("default")}
            [gerrit]
            username = {setup.User}
            hostname = 127.0.0.1
            port = {setup.GerritPort}
            key = {setup.GerritDir}/id_ed25519
            known_hosts = {setup.GerritDir}/known_hosts
            {more?.Invoke("gerrit")}
            [mqtt]
            hostname = 127.0.0.1
            port = {setup.MqttPort}
            qos = {qos}
            client_id = bench-{runName}
            """ + "\n" + (redact ? "[filter]\nredact_fields = email\n" : ""));
        // exec: the pid measured is germqtt's own.
        Launch($"exec {Quote(executable)} --config {Quote(ini)}", runName, setup);
        _pid = Shell!.Id;
    }

    public override async Task StopAsync()
    {
        kill(_pid, SIGTERM);
        await WaitOrKillAsync(TimeSpan.FromSeconds(20));
    }

    /// <summary>The counters germqtt logs at stop: the publisher's own view of the run.</summary>
    public string StopCounters() =>
        File.Exists(LogPath) ? File.ReadLines(LogPath).LastOrDefault(l => l.Contains(" stopped: "))?.Split(" stopped: ")[1] ?? "" : "";

    public int LoggedProblems() =>
        File.Exists(LogPath) ? File.ReadLines(LogPath).Count(l => l.Contains(" warning: ") || l.Contains(" error: ")) : 0;
}

/// <summary>
/// The 'C limit': `ssh ... gerrit stream-events | mosquitto_pub -l`: one connection, one topic,
/// no parsing or routing. --nodelay because MQTTnet (so germqtt) sends with TCP_NODELAY too; without
/// it Nagle's algorithm and delayed ACKs would hold back lines and make the limit look slow.
/// </summary>
sealed class Limit() : Subject("limit")
{
    public const string Topic = "bench/limit";
    List<int> _pids = [];

    public override string TopicFor(EventFeed feed, int i) => Topic;

    public override IReadOnlyList<int> Pids => _pids;

    public override void Start(Setup setup, int qos, string runName)
    {
        string ssh = $"ssh -q -i {Quote(setup.GerritDir + "/id_ed25519")} -o UserKnownHostsFile={Quote(setup.GerritDir + "/known_hosts")} " +
                     $"-o StrictHostKeyChecking=yes -o BatchMode=yes -p {setup.GerritPort} {setup.User}@127.0.0.1 gerrit stream-events";
        _pids = [];
        Launch($"{ssh} | mosquitto_pub --nodelay -h 127.0.0.1 -p {setup.MqttPort} -i bench-{runName} -l -t {Topic} -q {qos}", runName, setup);
    }

    /// <summary>bash forks both sides of the pipe; they are what is measured.</summary>
    public void FindPipeline()
    {
        for (int i = 0; i < 200 && _pids.Count < 2; i++)
        {
            _pids = Usage.ChildrenOf(Shell!.Id);
            if (_pids.Count < 2) Thread.Sleep(10);
        }
    }

    public override async Task StopAsync()
    {
        // Ending ssh closes the pipe: mosquitto_pub publishes what it read, then disconnects.
        foreach (int pid in _pids)
        {
            try { if (File.ReadAllText($"/proc/{pid}/comm").Trim() == "ssh") kill(pid, SIGTERM); }
            catch (IOException) { /* already gone */ }
        }
        await WaitOrKillAsync(TimeSpan.FromSeconds(20));
    }
}

/// <summary>The subscriber check: `mosquitto_pub -l < file`, no SSH, at the same QoS.</summary>
sealed class Baseline() : Subject("mosquitto_pub -l < file")
{
    public const string Topic = "bench/baseline";
    public string InputPath = "";

    public override string TopicFor(EventFeed feed, int i) => Topic;

    public override IReadOnlyList<int> Pids => Shell is null ? [] : [Shell.Id];

    public override void Start(Setup setup, int qos, string runName) =>
        Launch($"exec mosquitto_pub --nodelay -h 127.0.0.1 -p {setup.MqttPort} -i bench-{runName} -l -t {Topic} -q {qos} < {Quote(InputPath)}", runName, setup);

    public override Task StopAsync() => WaitOrKillAsync(TimeSpan.FromSeconds(20));
}
