// The runs and the report of `scripts/bench catchup`: catch-up from the events-log next to the
// limit streaming the same number of events live. Part of bench.cs.
using System.Globalization;
using System.Text;

static class CatchUpMode
{
    const string Begin = "<!-- bench-catchup:begin: scripts/bench catchup replaces everything up to bench-catchup:end -->";
    const string End = "<!-- bench-catchup:end -->";
    const double Target = 0.8;

    public static async Task<int> RunAsync(Settings settings, Setup setup, Subscriber subscriber, int spanSeconds)
    {
        // The limit's feed: its warm-up, then the same number of events as the backlog.
        var feed = new EventFeed(Bench.Warmup + settings.LatencyEvents + settings.Events, seed: 20251124);
        var backlog = new EventFeed(settings.Events + 1, seed: 20261202);
        Console.WriteLine($"bench catchup: a backlog of {settings.Events:N0} events over {spanSeconds} s, {backlog.TotalBytes(0, settings.Events) / settings.Events:N0} bytes on average; " +
                          $"{settings.Reps} repetitions of catch-up and limit at qos {string.Join(", ", settings.Qos)}");
        var bench = new Bench(settings, setup, feed, subscriber);
        var catchUps = new List<CatchUpResult>();
        var limits = new List<RunResult>();
        foreach (int qos in settings.Qos)
            for (int rep = 1; rep <= settings.Reps; rep++)
            {
                var catchUp = await bench.CatchUpAsync(backlog, qos, rep, spanSeconds);
                catchUps.Add(catchUp);
                Console.WriteLine("  " + catchUp.Summary());
                var limit = await bench.RunAsync(new Limit(), qos, rep);
                limits.Add(limit);
                Console.WriteLine("  " + limit.Summary());
            }

        string section = Section(settings, spanSeconds, backlog, catchUps, limits);
        Console.WriteLine();
        Console.WriteLine(section);
        Write(settings.Output, section);
        Console.WriteLine($"bench: wrote {settings.Output}");
        return catchUps.All(c => c.Errors == 0) ? 0 : 1;
    }

    static string Section(Settings settings, int spanSeconds, EventFeed backlog, List<CatchUpResult> catchUps, List<RunResult> limits)
    {
        int n = settings.Events;
        var b = new StringBuilder();
        b.AppendLine($"## Catch-up ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)").AppendLine();
        b.AppendLine("`scripts/bench catchup` measures how fast germqtt publishes what it catches up from Gerrit's events-log, against the limit streaming the same number of events live. " +
                     $"Each catch-up run starts a fresh test Gerrit whose events-log (`scripts/test-gerrit-events-log`, return limit {Bench.EventsLogLimit:N0} as the plugin's default, no storage lag) " +
                     $"is given {n:N0} events created over the last {spanSeconds} s while no stream-events session is open, so only the log has them. " +
                     "germqtt (the framework-dependent build) then starts with `[gerrit] http_url` and a `[default] state_file` whose `last` is the second before the backlog: its start opens a gap from there. " +
                     "Once its session is open one event is written live; it ends the gap as the next event of a busy Gerrit would (without it germqtt waits 3 s for one). " +
                     "germqtt pages through the log, publishes the recovered events at the QoS given, and lets the live event follow. " +
                     $"**Catch-up** is {n:N0} divided by the time from germqtt's exec to the subscriber's receipt of the last recovered event: it includes the process start, the SSH login and the events-log's answers. " +
                     $"**Limit** is `ssh … gerrit stream-events | mosquitto_pub -l` already streaming, given {n:N0} events as fast as it takes them (at most {settings.Window:N0} in flight), first to last receipt, as in the results above. " +
                     "Every recovered event was checked to arrive once, in order, on its topic, with the bytes the log stored.").AppendLine();
        b.AppendLine("```sh");
        b.AppendLine($"scripts/bench catchup                      # {n:N0} events, {settings.Reps} repetitions, QoS {string.Join(",", settings.Qos)}; rewrites this section");
        b.AppendLine("scripts/bench catchup --events 5000 --reps 1 --qos 0,1,2 --span 300");
        b.AppendLine("```").AppendLine();
        b.AppendLine($"Machine: {settings.Machine}. Events: {backlog.TotalBytes(0, n) / n:N0} bytes on average. Medians of {settings.Reps} runs.").AppendLine();
        b.AppendLine("| QoS | catch-up events/s (exec → last) | limit events/s | catch-up ÷ limit | target | catch-up first → last events/s | ÷ limit | exec → catch-up begins s | exec → first event s | exec → last event s | germqtt CPU s | lost / dup / order / topic / payload |");
        b.AppendLine("|---|--:|--:|--:|---|--:|--:|--:|--:|--:|--:|---|");
        foreach (int qos in settings.Qos)
        {
            var c = catchUps.Where(r => r.Qos == qos).ToList();
            double limit = Report.Median(limits.Where(r => r.Qos == qos).Select(r => r.Throughput));
            double fromStart = Report.Median(c.Select(r => r.FromStart)), firstToLast = Report.Median(c.Select(r => r.FirstToLast));
            double ratio = fromStart / limit;
            string target = qos == 1 ? $"≥ {Target:0.0}×: {(ratio >= Target ? "met" : "**missed**")}" : "";
            b.AppendLine($"| {qos} | {fromStart:N0} | {limit:N0} | {ratio:0.00}× | {target} | {firstToLast:N0} | {firstToLast / limit:0.00}× | " +
                         $"{Report.Median(c.Select(r => r.FetchingAfter)):0.00} | {Report.Median(c.Select(r => r.FirstAfter)):0.00} | {Report.Median(c.Select(r => r.LastAfter)):0.00} | " +
                         $"{Report.Median(c.Select(r => r.CpuSeconds)):0.00} | {c.Sum(r => r.Missing)} / {c.Sum(r => r.Duplicates)} / {c.Sum(r => r.OutOfOrder)} / {c.Sum(r => r.WrongTopic)} / {c.Sum(r => r.Mismatch + r.Strays)} |");
        }
        b.AppendLine().AppendLine("```");
        foreach (var r in catchUps) b.AppendLine(r.Summary());
        foreach (var r in limits) b.AppendLine(r.Summary());
        b.AppendLine("```");
        return b.ToString();
    }

    /// <summary>Replaces the section between its markers, or adds it at the end; the rest of the file is kept.</summary>
    static void Write(string output, string section)
    {
        string body = Begin + "\n" + section + End + "\n";
        string text = File.Exists(output) ? File.ReadAllText(output) : "# Benchmarks\n\n";
        int begin = text.IndexOf(Begin, StringComparison.Ordinal), end = text.IndexOf(End, StringComparison.Ordinal);
        text = begin >= 0 && end > begin
            ? text[..begin] + body + text[(end + End.Length)..].TrimStart('\n')
            : text.TrimEnd('\n') + "\n\n" + body;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        File.WriteAllText(output, text);
    }

    /// <summary>An option only this mode reads (Settings keeps every --name value but these have no field).</summary>
    public static string? Option(string[] args, string name)
    {
        int at = Array.IndexOf(args, "--" + name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    public static int Span(string[] args) => int.Parse(Option(args, "span") ?? "600", CultureInfo.InvariantCulture);
}
