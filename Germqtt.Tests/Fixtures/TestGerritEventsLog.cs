using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Germqtt.Tests.Fixtures;

/// <summary>
/// One complete line of the test Gerrit's feed, as its events-log plugin took it in.
/// </summary>
/// <param name="Line">The line as stream-events sends it, without its '\n'.</param>
/// <param name="CreatedOn">Unix seconds: the line's eventCreatedOn, or when it was emitted if it has none.</param>
/// <param name="EmittedAt">When the plugin read it from the feed (within ~10 ms of the write); the storage lag counts from here.</param>
/// <param name="Project">The project it belongs to; null for lines the plugin does not store.</param>
/// <param name="Logged">The line the REST endpoint answers for it (re-serialised, not the stream's bytes); null if not stored.</param>
/// <param name="FeedEnd">Offset just past this line in the feed.</param>
public sealed record EmittedEvent(string Line, long CreatedOn, DateTimeOffset EmittedAt, string? Project, string? Logged, long FeedEnd)
{
    public bool IsLogged => Logged is not null;
}

/// <summary>
/// The test Gerrit's events-log plugin (scripts/test-gerrit-events-log): its settings, its REST
/// endpoint, and the record of every line emitted so far. Settings apply from the next request.
/// </summary>
public sealed class TestGerritEventsLog
{
    public const string EventsPath = "a/plugins/events-log/events/";
    public const int DefaultReturnLimit = 5000;
    public static readonly TimeSpan DefaultLag = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan IngestTimeout = TimeSpan.FromSeconds(10);
    private readonly TestGerrit gerrit;

    internal TestGerritEventsLog(TestGerrit gerrit) => this.gerrit = gerrit;

    /// <summary>The endpoint, with <paramref name="query"/> (already encoded) after '?' when given.</summary>
    public Uri Url(string? query = null) => new(gerrit.HttpUrl, query is null ? EventsPath : $"{EventsPath}?{query}");

    /// <summary>Basic credentials of the login account's HTTP password.</summary>
    public AuthenticationHeaderValue Authorization =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{gerrit.HttpUsername}:{gerrit.HttpPassword}")));

    /// <summary>"yyyy-MM-dd HH:mm:ss" of <paramref name="unixSeconds"/> in <paramref name="offset"/> (UTC if not given), as the plugin parses it.</summary>
    public static string FormatTime(long unixSeconds, TimeSpan? offset = null) =>
        DateTimeOffset.FromUnixTimeSeconds(unixSeconds).ToOffset(offset ?? TimeSpan.Zero)
            .ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>The plugin's returnLimit: a window with more events is cut to its oldest this many.</summary>
    public void SetReturnLimit(int limit) => Write("events_log_limit", limit.ToString(CultureInfo.InvariantCulture));

    /// <summary>How long after it was emitted an event becomes visible to the endpoint.</summary>
    public void SetLag(TimeSpan lag) => Write("events_log_lag_ms", ((long)lag.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));

    /// <summary>The server's local zone (an IANA name), in which t1 and t2 are read.</summary>
    public void SetTimeZone(string ianaName) => Write("timezone", ianaName);

    /// <summary>While down, the plugin's database is unreachable: 503, and events are kept for later.</summary>
    public void SetDown(bool down)
    {
        if (down) Write("events_log_down", "");
        else File.Delete(Path.Combine(gerrit.Dir, "events_log_down"));
    }

    /// <summary>Back to the plugin's defaults: limit 5000, lag 1 s, UTC, up.</summary>
    public void ResetSettings()
    {
        foreach (string name in new[] { "events_log_limit", "events_log_lag_ms", "timezone", "events_log_down" })
            File.Delete(Path.Combine(gerrit.Dir, name));
    }

    /// <summary>
    /// Every complete line written to the feed so far, oldest first, once the plugin has taken them
    /// all in (it reads the feed every ~10 ms).
    /// </summary>
    public async Task<IReadOnlyList<EmittedEvent>> EmittedEventsAsync()
    {
        long written = CompleteFeedLength();
        IReadOnlyList<EmittedEvent> events = [];
        await Eventually.UntilAsync(
            () => (events = ReadRecords()).Count > 0 && events[^1].FeedEnd >= written || written == 0,
            IngestTimeout,
            $"the events log to take in the feed's first {written} bytes",
            gerrit.Describe);
        return events;
    }

    private long CompleteFeedLength()
    {
        using var feed = new FileStream(gerrit.FeedPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var bytes = new byte[feed.Length];
        feed.ReadExactly(bytes);
        return Array.LastIndexOf(bytes, (byte)'\n') + 1;
    }

    private List<EmittedEvent> ReadRecords()
    {
        string text = SharedFile.ReadAllText(Path.Combine(gerrit.Dir, "events_log.jsonl"));
        // The last line may still be being written.
        return text.Split('\n')[..^1].Select(Parse).ToList();
    }

    private static EmittedEvent Parse(string record)
    {
        using var doc = JsonDocument.Parse(record);
        var r = doc.RootElement;
        string? Text(string name) => r.GetProperty(name).ValueKind == JsonValueKind.Null ? null : r.GetProperty(name).GetString();
        return new EmittedEvent(
            r.GetProperty("line").GetString()!,
            r.GetProperty("created").GetInt64(),
            DateTimeOffset.FromUnixTimeMilliseconds(r.GetProperty("seen_ms").GetInt64()),
            Text("project"),
            Text("logged"),
            r.GetProperty("end").GetInt64());
    }

    // Whole files replaced at once, so the server never reads half a setting.
    private void Write(string name, string value)
    {
        string path = Path.Combine(gerrit.Dir, name);
        File.WriteAllText(path + ".tmp", value + "\n");
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
