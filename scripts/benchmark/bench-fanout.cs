#!/usr/bin/env -S dotnet run
// The measuring half of `scripts/bench fanout` (which builds germqtt, starts the test Gerrit and
// renders mosquitto.conf with the Puppet module first): for each N, a fresh broker from that
// configuration, germqtt publishing to it at QoS 1, N subscribers, and events written into the
// test Gerrit's feed at a steady rate. Reports per N: events lost, latency from the emitter's
// write to each subscriber's receipt, the broker's CPU and peak RSS.
#:package MQTTnet@5.2.0.1603
#:property PublishAot=false
#:property InvariantGlobalization=true
#:include bench-events.cs
#:include bench-subscriber.cs
#:include bench-subjects.cs
#:include bench-fanout-swarm.cs
#:include bench-fanout-raw.cs
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime;

var o = FanoutSettings.Parse(args);
GCSettings.LatencyMode = GCLatencyMode.SustainedLowLatency;
// Thousands of connects at once: without a head start the pool grows a thread per half second.
ThreadPool.SetMinThreads(64, 64);
int events = (int)(o.Rate * o.Seconds);
var feed = new EventFeed(events, seed: 20261201);
Console.WriteLine($"fanout: {events} events at {o.Rate} events/s ({o.Seconds} s) per N, {feed.TotalBytes(0, events) / events:N0} bytes on average; N = {string.Join(", ", o.Ns)}");

var rows = new List<string>();
int run = 0;
foreach (int n in o.Ns)
{
    run++;
    var row = await Fanout.RunAsync(o, feed, n, seqBase: 2_000_000_000L + run * 10_000_000L, run);
    Console.WriteLine("  " + row);
    rows.Add(row);
}

Console.WriteLine();
Console.WriteLine($"Machine: {o.Machine}");
string transports = o.Transport == "both" ? "half websockets, half TCP" : $"all {o.Transport}";
Console.WriteLine($"{events} events per N at {o.Rate} events/s; germqtt publishes at QoS 1, subscribers take QoS 0 ({transports}; {(o.Raw ? "minimal MQTT clients" : "MQTTnet clients")})");
Console.WriteLine();
Console.WriteLine("| N | events lost | duplicates | p50 ms | p99 ms | max ms | broker CPU % of a core | broker peak RSS MB | subscribers' CPU % of a core | connect s | load avg | CPU pressure % |");
Console.WriteLine("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
foreach (var row in rows) Console.WriteLine(row);
return 0;

sealed record FanoutSettings(string GerritDir, string Config, int MqttPort, int WsPort, string Germqtt, string User,
    string Password, string WorkDir, double Rate, double Seconds, string Machine, string Transport, bool Raw, int[] Ns)
{
    public static FanoutSettings Parse(string[] args)
    {
        var values = new Dictionary<string, string>();
        var ns = new List<int>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i].StartsWith("--") && i + 1 < args.Length) values[args[i][2..]] = args[++i];
            else if (int.TryParse(args[i], out int n) && n > 0) ns.Add(n);
            else throw new ArgumentException($"unexpected argument '{args[i]}'");
        }
        string Get(string key, string? fallback = null) =>
            values.TryGetValue(key, out var v) ? v : fallback ?? throw new ArgumentException($"--{key} is required");
        double D(string key, string fallback) => double.Parse(Get(key, fallback), CultureInfo.InvariantCulture);
        return new FanoutSettings(Get("gerrit"), Get("config"), int.Parse(Get("mqtt-port")), int.Parse(Get("ws-port")),
            Get("germqtt"), Get("user"), Get("password"), Get("work"), D("rate", "20"), D("seconds", "20"), Get("machine", ""),
            Get("transport", "both") is var t && t is "both" or "tcp" or "websockets" ? t : throw new ArgumentException("--transport: both, tcp or websockets"),
            Get("client", "raw") switch { "raw" => true, "mqttnet" => false, _ => throw new ArgumentException("--client: raw or mqttnet") },
            ns.Count > 0 ? [.. ns] : [1, 100, 1000]);
    }
}

static class Fanout
{
    static readonly TimeSpan Drain = TimeSpan.FromSeconds(10);

    public static async Task<string> RunAsync(FanoutSettings o, EventFeed feed, int n, long seqBase, int run)
    {
        for (int i = 0; i < feed.Count; i++) feed.SetSeq(i, seqBase + i);
        // A fresh broker per N: its peak RSS is this N's, and no earlier session or retained state is loaded.
        string root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(o.Config)!, "..", ".."));
        foreach (var db in Directory.GetFiles(root, "*.db", SearchOption.AllDirectories)) File.Delete(db);
        using var broker = await StartBrokerAsync(o);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await using var swarm = new Swarm(o.MqttPort, o.WsPort, feed.Count, transport: o.Transport, raw: o.Raw);
        Process? germqtt = null;
        try
        {
            var connecting = Stopwatch.StartNew();
            await swarm.ConnectAsync(n, cancel.Token);
            double connectSeconds = connecting.Elapsed.TotalSeconds;
            germqtt = StartGermqtt(o, run);
            await WarmUpAsync(o, germqtt);
            swarm.Expect(seqBase);

            var brokerBefore = Usage.Of([broker.Id]);
            var harnessBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            await Task.Factory.StartNew(() => Steady(o, feed), TaskCreationOptions.LongRunning);
            double streamed = clock.Elapsed.TotalSeconds;
            double brokerCpu = Usage.Of([broker.Id]).CpuSeconds - brokerBefore.CpuSeconds;
            double harnessCpu = (Process.GetCurrentProcess().TotalProcessorTime - harnessBefore).TotalSeconds;
            await DrainAsync(swarm, (long)n * feed.Count);
            long peakKb = Usage.Of([broker.Id]).PeakRssKb;

            long lost = (long)n * feed.Count - swarm.Received;
            var latencies = swarm.SortedLatencies();
            double Q(double q) => latencies.Length == 0 ? double.NaN : latencies[Math.Min(latencies.Length - 1, (int)Math.Ceiling(q * latencies.Length) - 1)] / 1e6;
            string note = swarm.Disconnected > 0 ? $" ({swarm.Disconnected} disconnected)" : "";
            return $"| {n:N0} | {lost:N0}{note} | {swarm.Duplicates:N0} | {Q(0.5):0.0} | {Q(0.99):0.0} | {Q(1):0.0} | " +
                   $"{100 * brokerCpu / streamed:0} | {peakKb / 1024.0:0.0} | {100 * harnessCpu / streamed:0} | {connectSeconds:0.0} | {LoadAverage()} | {CpuPressure()} |";
        }
        finally
        {
            if (germqtt is not null) await StopAsync(germqtt);
            await StopAsync(broker);
        }
    }

    /// <summary>The machine's 1-minute load average: how much else competed for the two cores.</summary>
    static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    /// <summary>
    /// Share of the last minute in which some runnable task waited for a CPU (PSI, avg60): near
    /// 0 on a quiet machine, near 100 when other work keeps both cores busy.
    /// </summary>
    static string CpuPressure()
    {
        try { return File.ReadLines("/proc/pressure/cpu").First().Split(' ').First(f => f.StartsWith("avg60="))[6..]; }
        catch (IOException) { return "?"; }
    }

    /// <summary>o.Rate events per second, each written to the feed on its own and stamped at the write.</summary>
    static void Steady(FanoutSettings o, EventFeed feed)
    {
        using var writer = new FeedWriter(Path.Combine(o.GerritDir, "feed"));
        long start = Clock.UnixNs();
        for (int k = 0; k < feed.Count; k++)
        {
            long wait = start + (long)(k * 1e9 / o.Rate) - Clock.UnixNs();
            if (wait > 200_000) Thread.Sleep(TimeSpan.FromTicks(wait / 100));
            feed.SetEmittedAt(k, Clock.UnixNs());
            writer.Write(feed.Bytes.AsSpan(feed.Start[k], (int)feed.TotalBytes(k, k + 1)));
        }
    }

    /// <summary>
    /// Writes a marker event every 200 ms until a subscriber of its own sees one: germqtt then has
    /// its stream-events session (which sends only what is written after it started) and is connected.
    /// </summary>
    static async Task WarmUpAsync(FanoutSettings o, Process germqtt)
    {
        await using var watcher = new Swarm(o.MqttPort, o.WsPort, 1, "fanout-watcher");
        await watcher.ConnectAsync(1, CancellationToken.None);
        var marker = new EventFeed(1, seed: 1);
        // Ten digits, as every seq: JSON numbers have no leading zeros.
        marker.SetSeq(0, 1_000_000_000);
        watcher.Expect(1_000_000_000);
        var clock = Stopwatch.StartNew();
        using var writer = new FeedWriter(Path.Combine(o.GerritDir, "feed"));
        while (watcher.Received == 0)
        {
            if (germqtt.HasExited || clock.Elapsed > TimeSpan.FromSeconds(60))
                throw new InvalidOperationException($"germqtt did not publish a warm-up event: {Tail(o, germqtt)}");
            marker.SetEmittedAt(0, Clock.UnixNs());
            writer.Write(marker.Bytes);
            await Task.Delay(200);
        }
        // Then WarmUpSeconds at the steady rate, unmeasured: the JIT compiles germqtt's and the
        // subscribers' paths on these, not on the measured events.
        for (int k = 0; k < o.Rate * WarmUpSeconds; k++)
        {
            writer.Write(marker.Bytes);
            await Task.Delay(TimeSpan.FromSeconds(1 / o.Rate));
        }
    }

    const double WarmUpSeconds = 3;

    /// <summary>Until every subscriber has every event, or nothing arrived for a while.</summary>
    static async Task DrainAsync(Swarm swarm, long expected)
    {
        var quiet = Stopwatch.StartNew();
        long last = swarm.Received;
        while (swarm.Received < expected && quiet.Elapsed < Drain)
        {
            await Task.Delay(50);
            long now = swarm.Received;
            if (now != last) { last = now; quiet.Restart(); }
        }
        await Task.Delay(200); // a late duplicate counts too
    }

    static async Task<Process> StartBrokerAsync(FanoutSettings o)
    {
        // Its start-up lines (such as the warning about running as root) go to a file, not the report.
        string console = Path.Combine(o.WorkDir, "mosquitto.out");
        var broker = Process.Start(new ProcessStartInfo("bash", ["-c", $"exec mosquitto -c '{o.Config}' </dev/null >>'{console}' 2>&1"])
        {
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("cannot start mosquitto");
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (broker.HasExited) throw new InvalidOperationException($"mosquitto -c {o.Config} exited with {broker.ExitCode}");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", o.MqttPort);
                return broker;
            }
            catch (SocketException) { await Task.Delay(20); }
        }
        throw new TimeoutException("mosquitto did not listen");
    }

    static Process StartGermqtt(FanoutSettings o, int run)
    {
        string ini = Path.Combine(o.WorkDir, $"fanout-{run}.ini");
        File.WriteAllText(ini, $"""
            [default]
            stats_interval = 0
            [gerrit]
            username = {Environment.UserName}
            hostname = 127.0.0.1
            port = {File.ReadAllText(Path.Combine(o.GerritDir, "port")).Trim()}
            key = {o.GerritDir}/id_ed25519
            known_hosts = {o.GerritDir}/known_hosts
            [mqtt]
            hostname = 127.0.0.1
            port = {o.MqttPort}
            qos = 1
            username = {o.User}
            password = {o.Password}
            client_id = fanout-germqtt
            """ + "\n");
        string log = Path.Combine(o.WorkDir, $"fanout-{run}.log");
        var info = new ProcessStartInfo("bash", ["-c", $"exec '{o.Germqtt}' --config '{ini}' </dev/null >/dev/null 2>>'{log}'"]) { UseShellExecute = false };
        return Process.Start(info) ?? throw new InvalidOperationException("cannot start germqtt");
    }

    static string Tail(FanoutSettings o, Process germqtt)
    {
        var log = Directory.GetFiles(o.WorkDir, "fanout-*.log").OrderBy(File.GetLastWriteTimeUtc).LastOrDefault();
        return log is null ? "" : string.Join("\n", File.ReadLines(log).TakeLast(5));
    }

    /// <summary>SIGTERM, as systemd stops a service; SIGKILL only if it hangs.</summary>
    static async Task StopAsync(Process p)
    {
        if (p.HasExited) return;
        Posix.kill(p.Id, 15);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try { await p.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { p.Kill(); await p.WaitForExitAsync(); }
    }
}

static class Posix
{
    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    public static extern int kill(int pid, int signal);
}
