// `scripts/bench catchup`: how fast germqtt publishes a backlog it catches up from the events-log,
// from its start to the subscriber's receipt of the last recovered event. Part of bench.cs.
using System.Diagnostics;
using System.Text;
using System.Text.Json;

/// <summary>
/// One catch-up run, in seconds from germqtt's exec: to the log line that starts the catch-up
/// (the gap's end is known), to the first and to the last recovered event at the subscriber.
/// </summary>
sealed record CatchUpResult(int Qos, int Rep, int Events, double StoreSeconds, double FetchingAfter, double FirstAfter, double LastAfter,
    double CpuSeconds, long PeakKb, int Missing, int Duplicates, int OutOfOrder, int WrongTopic, int Mismatch, int Strays, string Notes)
{
    public int Errors => Missing + Duplicates + OutOfOrder + WrongTopic + Mismatch + Strays;

    /// <summary>Events per second from exec to the last one received: what a restart after an outage costs.</summary>
    public double FromStart => Events / LastAfter;

    /// <summary>Events per second from the first recovered event received to the last.</summary>
    public double FirstToLast => (Events - 1) / (LastAfter - FirstAfter);

    public string Summary() =>
        $"qos {Qos} #{Rep} catch-up  {Events:N0} events in {LastAfter:0.00} s from exec ({FromStart:N0} ev/s; first to last {FirstToLast:N0} ev/s)  " +
        $"catch-up began {FetchingAfter:0.00} s, first event {FirstAfter:0.00} s  cpu {CpuSeconds:0.00} s  peak {Report.Mb(PeakKb)} MB  " +
        $"lost {Missing} dup {Duplicates} order {OutOfOrder} topic {WrongTopic} payload {Mismatch} stray {Strays}  (log stored the backlog in {StoreSeconds:0.0} s)" +
        (Notes.Length > 0 ? $"  [{Notes}]" : "");
}

sealed partial class Bench
{
    /// <summary>The events-log plugin's default return limit: the catch-up pages through the backlog in pages of this many.</summary>
    public const int EventsLogLimit = 5000;

    /// <summary>
    /// A fresh test Gerrit (so its events-log holds this backlog only) is given <paramref name="backlog"/>'s
    /// first Count-1 events, created over the last <paramref name="spanSeconds"/>, while no session
    /// is open; then germqtt starts from a state file that left off just before them. Once its
    /// session is open, the last event of the feed is written live: it ends the gap, as the next
    /// event a busy Gerrit makes would.
    /// </summary>
    public async Task<CatchUpResult> CatchUpAsync(EventFeed backlog, int qos, int rep, int spanSeconds)
    {
        int n = backlog.Count - 1;
        string dir = Path.Combine(setup.WorkDir, $"catchup-gerrit-{rep}");
        await TestGerritAsync("start", dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "events_log_limit"), $"{EventsLogLimit}\n");
            File.WriteAllText(Path.Combine(dir, "events_log_lag_ms"), "0\n");
            var gerrit = setup with { GerritDir = dir };
            long seqBase = 3_000_000_000L + rep * 10_000_000L;
            long first = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - spanSeconds - 2;
            for (int i = 0; i < backlog.Count; i++) backlog.SetSeq(i, seqBase + i);
            for (int i = 0; i < n; i++) backlog.SetCreatedOn(i, first + (long)i * spanSeconds / n);

            var storing = Stopwatch.StartNew();
            long now = Clock.UnixNs();
            for (int i = 0; i < n; i++) backlog.SetEmittedAt(i, now);
            using (var writer = new FeedWriter(gerrit.Feed)) writer.Write(backlog.Bytes.AsSpan(0, (int)backlog.TotalBytes(0, n)));
            var logged = await StoredAsync(dir, backlog.TotalBytes(0, n), n);
            double storeSeconds = storing.Elapsed.TotalSeconds;

            string state = Path.Combine(setup.WorkDir, $"catchup-{rep}.state");
            File.WriteAllText(state, $"{{\"version\":1,\"last\":{first - 1},\"identities\":[]}}\n");
            string password = File.ReadAllText(Path.Combine(dir, "http_password")).Trim();
            var subject = new Germqtt("germqtt catch-up", settings.Germqtt, more: section => section switch
            {
                "default" => $"state_file = {state}",
                "gerrit" => $"http_url = http://127.0.0.1:{File.ReadAllText(Path.Combine(dir, "http_port")).Trim()}/\n" +
                            $"http_password = {password}\ncatch_up_max = {spanSeconds + 3600}",
                _ => "",
            });
            // Recovered events come as the log serialised them; the live one as the stream sent it.
            var reception = new Reception(backlog, seqBase, i => Germqtt.Topic(backlog, i),
                (i, payload) => (i < n && payload.SequenceEqual(logged[i])) || payload.SequenceEqual(backlog.Line(i)));
            subscriber.Listen(reception);
            string runName = $"run{++_runs:000}-catchup";
            string sessions = Path.Combine(dir, "sessions");
            var before = SessionMarkers(sessions);
            long started = Clock.UnixNs();
            subject.Start(gerrit, qos, runName);
            double cpu;
            long peak;
            try
            {
                await NewSessionAsync(sessions, before, subject);
                backlog.SetCreatedOn(n, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
                using (var writer = new FeedWriter(gerrit.Feed)) Emit(writer, n, n + 1, backlog);
                await ReceivedAsync(reception, backlog.Count, Stall);
                var usage = Usage.Of(subject.Pids);
                (cpu, peak) = (usage.CpuSeconds, usage.PeakRssKb);
            }
            finally
            {
                await subject.StopAsync();
                await Task.Delay(300);
                subscriber.Listen(null);
            }

            long firstAt = long.MaxValue, lastAt = 0;
            for (int i = 0; i < n; i++)
                if (reception.FirstAt[i] != 0) (firstAt, lastAt) = (Math.Min(firstAt, reception.FirstAt[i]), Math.Max(lastAt, reception.FirstAt[i]));
            var log = File.ReadAllLines(Path.Combine(setup.WorkDir, $"{runName}.log"));
            double fetching = LoggedAt(log, "catch-up: fetching ", started);
            var notes = new List<string>();
            if (log.FirstOrDefault(l => l.Contains("gap from ")) is { } gapLine) notes.Add(gapLine[(gapLine.IndexOf("gap from ") + 4)..]);
            notes.Add(subject.StopCounters());
            if (subject.LoggedProblems() is > 0 and var problems) notes.Add($"{problems} warnings/errors logged: {subject.LogTail(2)}");
            if (reception.Missing(n, n + 1) > 0) notes.Add("the live event after the gap did not arrive");
            return new CatchUpResult(qos, rep, n, storeSeconds, fetching, (firstAt - started) / 1e9, (lastAt - started) / 1e9, cpu, peak,
                reception.Missing(0, n), reception.Duplicates, reception.OutOfOrder, reception.WrongTopic, reception.Mismatch, reception.Strays,
                string.Join("; ", notes.Where(x => x.Length > 0)));
        }
        finally
        {
            await TestGerritAsync("stop", dir);
            Directory.Delete(dir, recursive: true);
        }
    }

    void Emit(FeedWriter writer, int from, int to, EventFeed events)
    {
        long now = Clock.UnixNs();
        for (int i = from; i < to; i++) events.SetEmittedAt(i, now);
        writer.Write(events.Bytes.AsSpan(events.Start[from], (int)events.TotalBytes(from, to)));
    }

    /// <summary>
    /// Waits until the test Gerrit's events-log has stored the feed's first <paramref name="bytes"/>
    /// (its last record ends there), then reads the line it stores for each event.
    /// </summary>
    static async Task<byte[][]> StoredAsync(string dir, long bytes, int count)
    {
        string path = Path.Combine(dir, "events_log.jsonl");
        var clock = Stopwatch.StartNew();
        while (LastStoredEnd(path) < bytes)
        {
            if (clock.Elapsed > PhaseLimit) throw new InvalidOperationException($"the test Gerrit's events-log stored {LastStoredEnd(path)} of {bytes} bytes of the feed");
            await Task.Delay(50);
        }
        var logged = new byte[count][];
        int k = 0;
        foreach (var line in File.ReadLines(path))
        {
            using var record = JsonDocument.Parse(line);
            logged[k++] = Encoding.UTF8.GetBytes(record.RootElement.GetProperty("logged").GetString()!);
        }
        return logged;
    }

    static long LastStoredEnd(string path)
    {
        if (!File.Exists(path)) return 0;
        using var file = File.OpenRead(path);
        // A record holds an event twice (as streamed and as stored): its last 64 KB hold the last whole one.
        var tail = new byte[(int)Math.Min(file.Length, 65_536)];
        file.Seek(-tail.Length, SeekOrigin.End);
        file.ReadExactly(tail);
        // Only whole lines: the store may be writing the next one.
        var text = Encoding.UTF8.GetString(tail);
        text = text[..(text.LastIndexOf('\n') + 1)].TrimEnd('\n');
        if (text.Length == 0) return 0;
        using var record = JsonDocument.Parse(text[(text.LastIndexOf('\n') + 1)..]);
        return record.RootElement.GetProperty("end").GetInt64();
    }

    /// <summary>Seconds from <paramref name="since"/> (unix ns) to germqtt's log line containing <paramref name="text"/>; NaN without one.</summary>
    static double LoggedAt(string[] log, string text, long since)
    {
        var line = log.FirstOrDefault(l => l.Contains(text));
        if (line is null || !DateTimeOffset.TryParse(line.Split(' ')[0], out var at)) return double.NaN;
        return ((at - DateTimeOffset.UnixEpoch).Ticks * 100 - since) / 1e9;
    }

    static async Task TestGerritAsync(string command, string dir)
    {
        var info = new ProcessStartInfo("scripts/test-gerrit", [command, dir]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"test-gerrit {command} {dir}: {await errors}{await output}");
    }
}
