#!/usr/bin/env -S dotnet run
// The measuring half of scripts/bench (which starts the daemons and builds germqtt first):
// emits events into the test Gerrit's feed, receives them from the broker, and reports. With
// --mode catchup: catch-up from the events-log against the limit (bench-catchup.cs).
#:package MQTTnet@5.2.0.1603
#:property PublishAot=false
#:property InvariantGlobalization=true
#:include bench-events.cs
#:include bench-subscriber.cs
#:include bench-subjects.cs
#:include bench-report.cs
#:include bench-startup.cs
#:include bench-catchup.cs
#:include bench-catchup-report.cs
using System.Diagnostics;
using System.Runtime;

var settings = Settings.Parse(args);
var setup = new Setup(settings.GerritDir, settings.MqttPort, settings.BrokerPid, settings.WorkDir);
// The subscriber's timestamps must not wait for a blocking collection.
GCSettings.LatencyMode = GCLatencyMode.SustainedLowLatency;
if (CatchUpMode.Option(args, "mode") == "catchup")
    return await CatchUpMode.RunAsync(settings, setup, await Subscriber.ConnectAsync(settings.MqttPort), CatchUpMode.Span(args));

var subjects = new List<Subject>();
if (settings.Subjects.Contains("germqtt")) subjects.Add(new Germqtt("germqtt", settings.Germqtt));
if (settings.GermqttAot is { } aot && settings.Subjects.Contains("aot")) subjects.Add(new Germqtt("germqtt AOT", aot));
if (settings.Subjects.Contains("redact")) subjects.Add(new Germqtt(Report.Redact, settings.RedactExecutable, redact: true));
if (settings.Subjects.Contains("limit")) subjects.Add(new Limit());

var feed = new EventFeed(Bench.Warmup + settings.LatencyEvents + settings.Events, seed: 20251124);
Console.WriteLine($"bench: {feed.Count:N0} events per run, {feed.TotalBytes(0, feed.Count) / feed.Count:N0} bytes on average; " +
                  $"{settings.Reps} repetitions of {string.Join(", ", subjects.Select(s => s.Name))} at qos {string.Join(", ", settings.Qos)}");
var bench = new Bench(settings, setup, feed, await Subscriber.ConnectAsync(settings.MqttPort));
var results = new List<RunResult>();
var baselines = new Dictionary<int, RunResult>();
var startups = new List<Startup>();

// Start to first publish: a few cold starts of each subject before the long runs.
for (int rep = 1; rep <= settings.StartupReps; rep++)
    foreach (var subject in subjects.Where(s => s.Name != Report.Redact))
    {
        var startup = await bench.StartupAsync(subject);
        startups.Add(startup);
        Console.WriteLine("  " + startup.Summary());
    }

foreach (int qos in settings.Qos)
{
    baselines[qos] = await bench.BaselineAsync(qos);
    Console.WriteLine("  " + baselines[qos].Summary());
    for (int rep = 1; rep <= settings.Reps; rep++)
    {
        // Alternating subjects spreads slow drifts of the machine over all of them alike.
        foreach (var subject in subjects)
        {
            var result = await bench.RunAsync(subject, qos, rep);
            results.Add(result);
            Console.WriteLine("  " + result.Summary());
        }
    }
}

var report = new Report(settings, feed, subjects.Select(s => s.Name).ToList(), results, baselines, startups);
Console.WriteLine();
Console.WriteLine(report.Console());
report.Write();
Console.WriteLine($"bench: wrote {settings.Output}");
return report.GermqttCorrect ? 0 : 1;

sealed partial class Bench(Settings settings, Setup setup, EventFeed feed, Subscriber subscriber)
{
    /// <summary>Events sent first and not measured: they wait out connects and JIT.</summary>
    public const int Warmup = 500;
    const int Chunk = 200;
    static readonly TimeSpan Stall = TimeSpan.FromSeconds(15);
    /// <summary>A trickle never stalls; this bounds a phase whatever happens (what is missing then counts as lost).</summary>
    static readonly TimeSpan PhaseLimit = TimeSpan.FromMinutes(3);
    int _runs;
    int _lastTail;
    readonly Dictionary<string, string[]> _topics = [];
    byte[][]? _redacted;

    int LatencyFrom => Warmup;
    int ThroughputFrom => Warmup + settings.LatencyEvents;

    public async Task<RunResult> RunAsync(Subject subject, int qos, int rep)
    {
        var reception = Prepare(subject, out string runName);
        string sessions = Path.Combine(setup.GerritDir, "sessions");
        var before = SessionMarkers(sessions);
        Measured m;
        var clock = Stopwatch.StartNew();
        subject.Start(setup, qos, runName);
        try
        {
            _lastTail = await NewSessionAsync(sessions, before, subject);
            if (subject is Limit limit) limit.FindPipeline();
            m = await MeasureAsync(subject, reception);
        }
        finally
        {
            await subject.StopAsync();
            await Task.Delay(300); // what is still on its way counts: a duplicate after the stop is one too
            subscriber.Listen(null);
        }

        string notes = "";
        if (subject is Germqtt germqtt)
        {
            notes = germqtt.StopCounters();
            int problems = germqtt.LoggedProblems();
            if (problems > 0) notes += $"; {problems} warnings/errors logged: {subject.LogTail(2)}";
        }
        if (reception.FirstWrongTopic is { } wrong) notes += $"; wrong topic: {wrong}";
        lock (reception.Others)
            if (reception.Others.Count > 0) notes += "; not events: " + string.Join(", ", reception.Others.Select(o => $"{o.Value} on {o.Key}"));
        return new RunResult(subject.Name, qos, rep, reception.Throughput(ThroughputFrom, feed.Count),
            reception.LatencyMs(LatencyFrom, ThroughputFrom, 0.5), reception.LatencyMs(LatencyFrom, ThroughputFrom, 0.99),
            m.AtEnd.CpuSeconds - m.BeforeThroughput.CpuSeconds, m.AtEnd.CpuSeconds, m.PeakAt10kKb, m.AtEnd.PeakRssKb,
            reception.Missing(0, feed.Count), reception.Duplicates, reception.OutOfOrder, reception.WrongTopic, reception.Mismatch, reception.Strays,
            m.HarnessCpuPercent, m.BrokerCpu, notes.TrimStart(';', ' '), clock.Elapsed.TotalSeconds);
    }

    record Measured(Usage BeforeThroughput, Usage AtEnd, long PeakAt10kKb, double HarnessCpuPercent, double BrokerCpu);

    async Task<Measured> MeasureAsync(Subject subject, Reception reception)
    {
        using var writer = new FeedWriter(setup.Feed);
        Emit(writer, 0, Warmup);
        if (!await ReceivedAsync(reception, Warmup, TimeSpan.FromSeconds(60)))
            throw new InvalidOperationException($"{subject.Name}: warm-up events did not arrive: {subject.LogTail()}");

        // The emitter gets a thread of its own: blocking a pool thread could delay the subscriber's callbacks.
        await Task.Factory.StartNew(() => Steady(writer), TaskCreationOptions.LongRunning);
        await ReceivedAsync(reception, ThroughputFrom, Stall);

        var beforeThroughput = Usage.Of(subject.Pids);
        var brokerBefore = Usage.Of([setup.BrokerPid]);
        var harnessBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        long peakAt10k = await Task.Factory.StartNew(() => Throughput(writer, reception, subject), TaskCreationOptions.LongRunning);
        if (peakAt10k == 0)
        {
            // Fewer than 10,000 events in all: the "at 10k" figure is the one at the last event.
            await ReceivedAsync(reception, feed.Count, Stall);
            peakAt10k = Usage.Of(subject.Pids).PeakRssKb;
        }
        await ReceivedAsync(reception, feed.Count, Stall);
        double seconds = clock.Elapsed.TotalSeconds;
        var atEnd = Usage.Of(subject.Pids);
        double broker = Usage.Of([setup.BrokerPid]).CpuSeconds - brokerBefore.CpuSeconds;
        double harness = (Process.GetCurrentProcess().TotalProcessorTime - harnessBefore).TotalSeconds;
        return new Measured(beforeThroughput, atEnd, peakAt10k, 100 * harness / seconds, broker);
    }

    /// <summary>`mosquitto_pub -l < file` straight into the broker: how fast the subscriber can take events.</summary>
    public async Task<RunResult> BaselineAsync(int qos)
    {
        var baseline = new Baseline();
        var reception = Prepare(baseline, out string runName);
        int from = ThroughputFrom;
        // mosquitto_pub -l at QoS 1 and 2 disconnects when the acknowledgement of a message id equal to
        // its last one arrives; ids wrap at 65,535, so past that many lines it quits early.
        int to = Math.Min(feed.Count, from + 60_000);
        Stamp(from, to);
        baseline.InputPath = Path.Combine(setup.WorkDir, "baseline.jsonl");
        using (var file = File.Create(baseline.InputPath)) file.Write(feed.Bytes, feed.Start[from], (int)feed.TotalBytes(from, to));
        var harnessBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        baseline.Start(setup, qos, runName);
        bool complete = await ReceivedAsync(reception, to - from, Stall);
        double harness = (Process.GetCurrentProcess().TotalProcessorTime - harnessBefore).TotalSeconds;
        double seconds = clock.Elapsed.TotalSeconds;
        await baseline.StopAsync();
        subscriber.Listen(null);
        File.Delete(baseline.InputPath);
        return new RunResult(baseline.Name, qos, 1, reception.Throughput(from, to), double.NaN, double.NaN,
            0, 0, 0, 0, reception.Missing(from, to), reception.Duplicates, reception.OutOfOrder, reception.WrongTopic,
            reception.Mismatch, reception.Strays, 100 * harness / seconds, 0, complete ? "" : "incomplete", seconds);
    }

    /// <summary>A fresh seq range per run, so that a straggler of an earlier run cannot pass for this one's.</summary>
    Reception Prepare(Subject subject, out string runName)
    {
        int run = ++_runs;
        runName = $"run{run:000}-{(subject is Baseline ? "baseline" : subject.Name.Replace(' ', '-'))}";
        long seqBase = 1_000_000_000L + run * 10_000_000L;
        for (int i = 0; i < feed.Count; i++) feed.SetSeq(i, seqBase + i);
        if (!_topics.TryGetValue(subject.Name, out var topics))
            _topics[subject.Name] = topics = Enumerable.Range(0, feed.Count).Select(i => subject.TopicFor(feed, i)).ToArray();
        ClearFeed();
        PayloadCheck? payload = null;
        if (subject is Germqtt { Redacts: true })
        {
            var redacted = _redacted ??= Enumerable.Range(0, feed.Count).Select(feed.RedactedBody).ToArray();
            payload = (i, bytes) => feed.IsRedacted(i, redacted[i], bytes);
        }
        var reception = new Reception(feed, seqBase, i => topics[i], payload);
        subscriber.Listen(reception);
        return reception;
    }

    /// <summary>settings.Rate events per second, one write each.</summary>
    void Steady(FeedWriter writer)
    {
        long start = Clock.UnixNs();
        for (int k = 0; k < settings.LatencyEvents; k++)
        {
            // Sleeping, not spinning: the two cores are the subjects'. The stamp is taken at the
            // write itself, so a late wake-up shifts the schedule but never the measurement.
            long wait = start + (long)(k * 1e9 / settings.Rate) - Clock.UnixNs();
            if (wait > 200_000) Thread.Sleep(TimeSpan.FromTicks(wait / 100));
            Emit(writer, LatencyFrom + k, LatencyFrom + k + 1);
        }
    }

    /// <summary>Only once the last session's tail is gone: a live tail would report the truncation.</summary>
    void ClearFeed()
    {
        for (int i = 0; i < 500 && _lastTail != 0 && Usage.Alive(_lastTail); i++) Thread.Sleep(10);
        using var stream = new FileStream(setup.Feed, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        stream.SetLength(0);
    }

    /// <summary>
    /// Keeps at most settings.Window events between the feed and the subscriber: the bench measures
    /// the rate a subject sustains, not how much it can hold (Gerrit itself drops output rather
    /// than queue without bound). Returns the subject's peak RSS once 10,000 events arrived.
    /// </summary>
    long Throughput(FeedWriter writer, Reception reception, Subject subject)
    {
        int from = ThroughputFrom, sent = from, receivedBefore = reception.Distinct;
        long peakAt10k = 0;
        var progress = Stopwatch.StartNew();
        var phase = Stopwatch.StartNew();
        int lastDistinct = reception.Distinct;
        while (sent < feed.Count && phase.Elapsed < PhaseLimit)
        {
            int arrived = reception.Distinct - receivedBefore;
            if (peakAt10k == 0 && arrived >= 10_000) peakAt10k = Usage.Of(subject.Pids).PeakRssKb;
            int next = Math.Min(feed.Count, sent + Chunk);
            if ((next - from) - arrived <= settings.Window)
            {
                Emit(writer, sent, next);
                sent = next;
                continue;
            }
            if (reception.Distinct != lastDistinct) { lastDistinct = reception.Distinct; progress.Restart(); }
            else if (progress.Elapsed > Stall) break;
            Thread.Sleep(1);
        }
        return peakAt10k;
    }

    void Emit(FeedWriter writer, int from, int to)
    {
        Stamp(from, to);
        writer.Write(feed.Bytes.AsSpan(feed.Start[from], (int)feed.TotalBytes(from, to)));
    }

    void Stamp(int from, int to)
    {
        long now = Clock.UnixNs();
        for (int i = from; i < to; i++) feed.SetEmittedAt(i, now);
    }

    /// <summary>Waits until <paramref name="count"/> distinct events arrived, or nothing arrived for <paramref name="stall"/>.</summary>
    static async Task<bool> ReceivedAsync(Reception reception, int count, TimeSpan stall)
    {
        var progress = Stopwatch.StartNew();
        var phase = Stopwatch.StartNew();
        int last = reception.Distinct;
        while (reception.Distinct < count && phase.Elapsed < PhaseLimit)
        {
            if (reception.Distinct != last) { last = reception.Distinct; progress.Restart(); }
            else if (progress.Elapsed > stall) return false;
            await Task.Delay(2);
        }
        return reception.Distinct >= count;
    }
}
