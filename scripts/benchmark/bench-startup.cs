// Start to first publish, for scripts/bench: from a subject's exec to the subscriber's receipt of
// the first event, and how a new stream-events session is recognised. Part of bench.cs.
using System.Diagnostics;

sealed partial class Bench
{
    /// <summary>
    /// From the subject's exec to the subscriber's receipt of the first event, which is written
    /// the moment the subject's stream-events session exists (Gerrit sends nothing older).
    /// </summary>
    public async Task<Startup> StartupAsync(Subject subject)
    {
        var reception = Prepare(subject, out string runName);
        string sessions = Path.Combine(setup.GerritDir, "sessions");
        var before = SessionMarkers(sessions);
        long started = Clock.UnixNs(), session = 0;
        subject.Start(setup, 1, runName);
        try
        {
            _lastTail = await NewSessionAsync(sessions, before, subject);
            session = Clock.UnixNs();
            using (var writer = new FeedWriter(setup.Feed)) Emit(writer, 0, 1);
            await ReceivedAsync(reception, 1, Stall);
        }
        finally
        {
            if (subject is Limit limit) limit.FindPipeline();
            await subject.StopAsync();
            subscriber.Listen(null);
        }
        static double Ms(long at, long since) => at == 0 ? double.NaN : (at - since) / 1e6;
        return new Startup(subject.Name, Ms(reception.FirstOtherAt, started), Ms(session, started), Ms(reception.FirstAt[0], started));
    }

    /// <summary>
    /// Each stream-events session writes a marker named by its pid; markers stay after it ends and
    /// pids are reused, so a session is new when its marker is new or was written again.
    /// </summary>
    static Dictionary<string, DateTime> SessionMarkers(string sessions) =>
        Directory.GetFiles(sessions).ToDictionary(f => f, File.GetLastWriteTimeUtc);

    static async Task<int> NewSessionAsync(string sessions, Dictionary<string, DateTime> before, Subject subject)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            var marker = SessionMarkers(sessions).FirstOrDefault(m => !before.TryGetValue(m.Key, out var written) || written != m.Value).Key;
            if (marker is not null) return int.Parse(Path.GetFileName(marker));
            if (subject.HasExited) break;
            await Task.Delay(1);
        }
        throw new InvalidOperationException($"{subject.Name} opened no stream-events session: {subject.LogTail()}");
    }
}
