// Settings, per-run results and the report of scripts/bench.
using System.Globalization;
using System.Text;

sealed record Settings(string GerritDir, int MqttPort, int BrokerPid, string WorkDir, string Germqtt, string? GermqttAot,
    string Machine, string Output, int Events, int LatencyEvents, double Rate, int Reps, int Window, int[] Qos, bool Quick, string[] Subjects,
    int StartupReps)
{
    public static Settings Parse(string[] args)
    {
        var values = new Dictionary<string, string>();
        bool quick = false;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--quick") quick = true;
            else if (args[i].StartsWith("--") && i + 1 < args.Length) values[args[i][2..]] = args[++i];
            else throw new ArgumentException($"unexpected argument '{args[i]}'");
        }
        string Get(string key, string? fallback = null) =>
            values.TryGetValue(key, out var v) ? v : fallback ?? throw new ArgumentException($"--{key} is required");
        int Int(string key, int fallback) => int.Parse(Get(key, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        return new Settings(Get("gerrit"), Int("mqtt-port", 0), Int("broker-pid", 0), Get("work"), Get("germqtt"),
            values.GetValueOrDefault("germqtt-aot"), Get("machine", ""), Get("output"),
            Int("events", quick ? 10_000 : 100_000), Int("latency-events", quick ? 400 : 2_000),
            double.Parse(Get("rate", "200"), CultureInfo.InvariantCulture), Int("reps", quick ? 1 : 3), Int("window", 2_000),
            Get("qos", "0,1,2").Split(',').Select(int.Parse).ToArray(), quick, Get("subjects", "germqtt,aot,redact,limit").Split(','),
            Int("startup-reps", 5));
    }

    /// <summary>Redaction is measured on the build that ships (AOT when there is one), against that same build.</summary>
    public string RedactExecutable => GermqttAot ?? Germqtt;

    /// <summary>The subject running <see cref="RedactExecutable"/> without redaction.</summary>
    public string RedactCounterpart => GermqttAot is null ? "germqtt" : "germqtt AOT";
}

sealed record RunResult(string Subject, int Qos, int Rep, double Throughput, double P50, double P99,
    double CpuSeconds, double CpuTotal, long PeakAt10kKb, long PeakKb, int Lost, int Duplicates, int OutOfOrder, int WrongTopic,
    int Mismatch, int Strays, double HarnessCpuPercent, double BrokerCpu, string Notes, double Seconds)
{
    public int Errors => Lost + Duplicates + OutOfOrder + WrongTopic + Mismatch + Strays;

    public string Summary() =>
        $"qos {Qos} #{Rep} {Subject,-11} {Throughput,7:N0} ev/s  p50 {P50:0.00} ms  p99 {P99:0.00} ms  " +
        $"cpu {CpuSeconds:0.00} s  peak {Report.Mb(PeakAt10kKb)}/{Report.Mb(PeakKb)} MB  broker {BrokerCpu:0.00} s  harness {HarnessCpuPercent:0}%  " +
        $"lost {Lost} dup {Duplicates} order {OutOfOrder} topic {WrongTopic} payload {Mismatch} stray {Strays}  {Seconds:0.0} s" + (Notes.Length > 0 ? $"  [{Notes}]" : "");
}

/// <summary>
/// One cold start, in milliseconds from exec: to germqtt's retained `online` status at the
/// subscriber (NaN for the limit, which has none), to the stream-events session, to the first event's receipt.
/// </summary>
sealed record Startup(string Subject, double OnlineMs, double SessionMs, double FirstPublishMs)
{
    public string Summary() => $"start {Subject,-11} online after {OnlineMs:0} ms, session after {SessionMs:0} ms, first event received after {FirstPublishMs:0} ms";
}

sealed class Report(Settings settings, EventFeed feed, List<string> subjects, List<RunResult> runs, Dictionary<int, RunResult> baselines,
    List<Startup> startups)
{
    const string Begin = "<!-- bench:begin: scripts/bench replaces everything up to bench:end; text outside is kept -->";
    const string End = "<!-- bench:end -->";
    /// <summary>germqtt with `[filter] redact_fields = email`: compared with its own build, not with the limit.</summary>
    public const string Redact = "germqtt redact";

    public bool GermqttCorrect => runs.Where(r => r.Subject != "limit").All(r => r.Errors == 0);

    public static string Mb(long kb) => (kb / 1024.0).ToString("0.0", CultureInfo.InvariantCulture);

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    IEnumerable<RunResult> Of(string subject, int qos) => runs.Where(r => r.Subject == subject && r.Qos == qos);
    double Med(string subject, int qos, Func<RunResult, double> value) => Median(Of(subject, qos).Select(value));

    static string Verdict(bool met) => met ? "met" : "**missed**";

    string Table()
    {
        var t = new StringBuilder();
        t.AppendLine("| QoS | subject | events/s | p50 ms | p99 ms | CPU s (throughput part) | peak RSS MB at 10k / at end | lost | dup | out of order | wrong topic | payload ≠ |");
        t.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (int qos in settings.Qos)
            foreach (string s in subjects)
            {
                var of = Of(s, qos).ToList();
                t.AppendLine($"| {qos} | {s} | {Med(s, qos, r => r.Throughput):N0} | {Med(s, qos, r => r.P50):0.00} | {Med(s, qos, r => r.P99):0.00} | " +
                    $"{Med(s, qos, r => r.CpuSeconds):0.00} | {Mb((long)Med(s, qos, r => r.PeakAt10kKb))} / {Mb((long)Med(s, qos, r => r.PeakKb))} | " +
                    $"{of.Sum(r => r.Lost)} | {of.Sum(r => r.Duplicates)} | {of.Sum(r => r.OutOfOrder)} | {of.Sum(r => r.WrongTopic)} | {of.Sum(r => r.Mismatch + r.Strays)} |");
            }
        return t.ToString();
    }

    string Ratios(List<string> targets)
    {
        var t = new StringBuilder();
        t.AppendLine("| QoS | subject | throughput ÷ limit | target | p99 − limit p99 | target | CPU s ÷ limit's |");
        t.AppendLine("|---|---|--:|---|--:|---|--:|");
        foreach (int qos in settings.Qos)
            foreach (string s in subjects.Where(s => s is not ("limit" or Redact)))
            {
                double ratio = Med(s, qos, r => r.Throughput) / Med("limit", qos, r => r.Throughput);
                double want = qos == 0 ? 0.9 : 0.8;
                double p99 = Med(s, qos, r => r.P99) - Med("limit", qos, r => r.P99);
                double cpu = Med(s, qos, r => r.CpuSeconds) / Med("limit", qos, r => r.CpuSeconds);
                t.AppendLine($"| {qos} | {s} | {ratio:0.00}× | ≥ {want:0.0}×: {Verdict(ratio >= want)} | {p99:+0.00;-0.00} ms | ≤ 1 ms: {Verdict(p99 <= 1)} | {cpu:0.0}× |");
                if (ratio < want) targets.Add($"{s} throughput at qos {qos}: {ratio:0.00}× the limit, target ≥ {want:0.0}×");
                if (p99 > 1) targets.Add($"{s} p99 latency at qos {qos}: {p99:0.00} ms above the limit, target ≤ 1 ms");
            }
        return t.ToString();
    }

    string Memory(List<string> targets)
    {
        var t = new StringBuilder();
        foreach (string s in subjects.Where(s => s is not ("limit" or Redact)))
        {
            var all = runs.Where(r => r.Subject == s).ToList();
            double peak = all.Max(r => r.PeakKb), growth = Median(all.Select(r => (double)(r.PeakKb - r.PeakAt10kKb)));
            bool flat = growth <= Math.Max(1024, 0.05 * Median(all.Select(r => (double)r.PeakAt10kKb)));
            bool aot = s.Contains("AOT");
            string limitNote = settings.Events < 100_000 ? $" (over {settings.Events:N0} events, not 100,000: no verdict)" :
                aot ? $"; target ≤ 40 MB (AOT): {Verdict(peak <= 40 * 1024)}" : "; the 40 MB target is for the AOT build";
            t.AppendLine($"- {s}: peak RSS at most {Mb((long)peak)} MB over any run{limitNote}. From 10,000 events to the end of the run it grew by {Mb((long)growth)} MB (median): {(flat ? "flat" : "**not flat**")}.");
            if (!flat) targets.Add($"{s} memory grows from 10,000 events to the end of the run");
            if (aot && settings.Events >= 100_000 && peak > 40 * 1024) targets.Add($"{s} peak RSS {Mb((long)peak)} MB, target ≤ 40 MB");
        }
        return t.ToString();
    }

    string Startups(List<string> targets)
    {
        var t = new StringBuilder();
        t.AppendLine($"{(settings.StartupReps == 1 ? "One cold start" : $"Median of {settings.StartupReps} cold starts")} at QoS 1, from exec: to germqtt's `online` status document at the subscriber (the process is up and connected to the broker), to the stream-events session at the test Gerrit, and to the subscriber's receipt of an event written the moment that session existed. germqtt connects to the broker and logs into Gerrit side by side; beside its first stream it asks Gerrit whether its account is an administrator (one more SSH exec, on its own channel). The limit's column is what an SSH login and `stream-events` cost on the test Gerrit, whoever the client.").AppendLine();
        t.AppendLine("| subject | exec → online ms | exec → session ms | exec → first event received ms | − limit's ms | target |");
        t.AppendLine("|---|--:|--:|--:|--:|---|");
        double limitFirst = Median(startups.Where(x => x.Subject == "limit").Select(x => x.FirstPublishMs));
        foreach (string s in subjects.Where(s => s != Redact))
        {
            var of = startups.Where(x => x.Subject == s).ToList();
            if (of.Count == 0) continue;
            double first = Median(of.Select(x => x.FirstPublishMs));
            string target = s.Contains("AOT") ? $"≤ 100 ms: {Verdict(first <= 100)}" : "";
            if (s.Contains("AOT") && !(first <= 100)) targets.Add($"{s} start to first publish: {first:0} ms, target ≤ 100 ms");
            string online = s == "limit" ? "" : $"{Median(of.Select(x => x.OnlineMs)):0}";
            string over = s == "limit" ? "" : $"{first - limitFirst:+0;-0}";
            t.AppendLine($"| {s} | {online} | {Median(of.Select(x => x.SessionMs)):0} | {first:0} | {over} | {target} |");
        }
        return t.ToString();
    }

    /// <summary>The cost of `redact_fields = email` next to the same build publishing Gerrit's bytes.</summary>
    string Redaction()
    {
        string plain = settings.RedactCounterpart;
        if (!subjects.Contains(Redact) || !subjects.Contains(plain)) return $"Not measured (needs the subjects redact and {plain}).\n";
        var t = new StringBuilder();
        t.AppendLine($"`[filter] redact_fields = email` on {plain}, each event losing its `email` members (one in a ref-updated, four in the others); the payloads were checked to be the emitted ones with exactly those members removed.").AppendLine();
        t.AppendLine($"| QoS | {plain} events/s | redacting events/s | throughput ÷ without | CPU s ÷ without | p99 ms without / with |");
        t.AppendLine("|---|--:|--:|--:|--:|--:|");
        foreach (int qos in settings.Qos)
        {
            double with = Med(Redact, qos, r => r.Throughput), without = Med(plain, qos, r => r.Throughput);
            double cpu = Med(Redact, qos, r => r.CpuSeconds) / Med(plain, qos, r => r.CpuSeconds);
            t.AppendLine($"| {qos} | {without:N0} | {with:N0} | {with / without:0.00}× | {cpu:0.00}× | {Med(plain, qos, r => r.P99):0.00} / {Med(Redact, qos, r => r.P99):0.00} |");
        }
        return t.ToString();
    }

    /// <summary>
    /// The subscriber's leg is QoS 0 whatever the subjects publish with, so every message costs it the
    /// same: the fastest direct feed at any QoS is what it can take at all of them.
    /// </summary>
    string SubscriberCheck()
    {
        var t = new StringBuilder();
        t.AppendLine("| QoS | subscriber fed by `mosquitto_pub -l < file` (no SSH) | harness CPU meanwhile | fastest subject | lost |");
        t.AppendLine("|---|--:|--:|--:|--:|");
        double capacity = baselines.Values.Max(b => b.Throughput), fastest = 0;
        foreach (int qos in settings.Qos)
        {
            var b = baselines[qos];
            double subject = subjects.Max(s => Med(s, qos, r => r.Throughput));
            fastest = Math.Max(fastest, subject);
            t.AppendLine($"| {qos} | {b.Throughput:N0} ev/s | {b.HarnessCpuPercent:0}% of a core | {subject:N0} ev/s | {b.Lost} |");
        }
        double harness = Median(runs.Select(r => r.HarnessCpuPercent));
        t.AppendLine();
        t.AppendLine(capacity >= 1.2 * fastest
            ? $"The subscriber took {capacity:N0} events/s from a direct feed, {capacity / fastest:0.0}× the fastest subject at any QoS, so it is not the bottleneck (its own leg is QoS 0 at every QoS, so each message costs it the same). During the subjects' throughput parts the harness (subscriber and emitter) used {harness:0}% of one core (median): on 2 cores that CPU is taken from the subjects and the broker alike."
            : $"**The subscriber may be the bottleneck**: its fastest direct feed, {capacity:N0} events/s, is less than 1.2× the fastest subject ({fastest:N0} events/s). Harness CPU during the subjects' throughput parts: {harness:0}% of one core (median).");
        return t.ToString();
    }

    string Body()
    {
        var targets = new List<string>();
        var b = new StringBuilder();
        var mix = feed.Type.GroupBy(t => t).OrderByDescending(g => g.Count())
            .Select(g => $"{g.Key} {100.0 * g.Count() / feed.Count:0}%").ToList();
        b.AppendLine($"## Results ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC{(settings.Quick ? ", --quick" : "")})").AppendLine();
        b.AppendLine($"Machine: {settings.Machine}").AppendLine();
        b.AppendLine($"Each run starts the subject, sends {Bench.Warmup} unmeasured warm-up events, then {settings.LatencyEvents:N0} events at a steady {settings.Rate:0} events/s (latency: the emitter's write into the feed to the subscriber's receipt), then {settings.Events:N0} events as fast as the subject takes them with at most {settings.Window:N0} in flight (throughput: first to last receipt). ");
        b.AppendLine($"CPU seconds and the peak RSS (VmHWM) are the subject's own processes (germqtt; ssh + mosquitto_pub for the limit), CPU for the throughput part only. {settings.Reps} runs per subject and QoS, subjects alternating; the tables give medians, and error counts summed over all runs. ");
        b.AppendLine($"Events: {string.Join(", ", mix)}; {feed.TotalBytes(0, feed.Count) / feed.Count:N0} bytes on average; 50 projects.");
        b.AppendLine().AppendLine(Table());
        b.AppendLine("### germqtt ÷ limit").AppendLine().AppendLine(Ratios(targets));
        b.AppendLine("### Start to first publish").AppendLine().AppendLine(Startups(targets));
        b.AppendLine("### Redaction").AppendLine().AppendLine(Redaction());
        b.AppendLine("### Memory").AppendLine().AppendLine(Memory(targets));
        var wrong = runs.Where(r => r.Subject != "limit" && r.Errors > 0).ToList();
        b.AppendLine("### Correctness").AppendLine();
        b.AppendLine(wrong.Count == 0
            ? "germqtt: no event lost, duplicated or out of order, every topic `gerrit/<project>/<type>` and every payload byte for byte as emitted, in every run."
            : $"**germqtt had errors in {wrong.Count} runs** (see every run below).");
        if (wrong.Count > 0) targets.Add("germqtt lost, duplicated, reordered, misrouted or changed events");
        b.AppendLine().AppendLine("### Subscriber check").AppendLine().AppendLine(SubscriberCheck());
        b.AppendLine("### Targets missed").AppendLine();
        b.AppendLine(targets.Count == 0 ? "None." : string.Join("\n", targets.Select(t => "- " + t)));
        b.AppendLine().AppendLine("### Every run").AppendLine().AppendLine("```");
        foreach (var r in baselines.Values) b.AppendLine(r.Summary());
        foreach (var r in startups) b.AppendLine(r.Summary());
        foreach (var r in runs) b.AppendLine(r.Summary());
        b.AppendLine("```");
        return b.ToString();
    }

    public string Console() => Body();

    public void Write()
    {
        string body = Begin + "\n" + Body() + End + "\n";
        string text = File.Exists(settings.Output) ? File.ReadAllText(settings.Output) : "";
        int begin = text.IndexOf(Begin, StringComparison.Ordinal), end = text.IndexOf(End, StringComparison.Ordinal);
        text = begin >= 0 && end > begin
            ? text[..begin] + body + text[(end + End.Length)..].TrimStart('\n')
            : "# Benchmarks\n\n`scripts/bench` measures germqtt against the `ssh … gerrit stream-events | mosquitto_pub -l` pipeline (the limit).\n\n" + body;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(settings.Output))!);
        File.WriteAllText(settings.Output, text);
    }

}
