using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Germqtt.Tests.Fixtures;

namespace Germqtt.Tests.Daemon;

/// <summary>
/// The test Gerrit's events-log endpoint answers as the plugin does, and its events happen on a
/// clock whether or not anyone streams them; no germqtt code involved. Each test dates its events
/// on its own day in the past, so the windows of different tests never overlap.
/// </summary>
[TestFixture, NonParallelizable]
public sealed class TestGerritEventsLogTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private static readonly HttpClient Http = new() { Timeout = Deadline };
    private TestGerrit gerrit = null!;

    [OneTimeSetUp]
    public async Task StartGerrit() => gerrit = await TestGerrit.StartAsync();

    [OneTimeTearDown]
    public async Task StopGerrit() => await gerrit.DisposeAsync();

    [SetUp]
    public void NoLag()
    {
        gerrit.EventsLog.ResetSettings();
        gerrit.EventsLog.SetLag(TimeSpan.Zero);
    }

    [TearDown]
    public async Task Reset()
    {
        await gerrit.StopProducerAsync();
        gerrit.KillSessions();
        await gerrit.WaitForStreamSessionsAsync(0, Deadline);
    }

    [Test]
    public async Task Without_the_right_HTTP_credentials_the_log_answers_401()
    {
        var nobody = await GetAsync(null, auth: null);
        var wrongPassword = await GetAsync(null, Basic(gerrit.HttpUsername, gerrit.HttpPassword + "x"));
        var wrongUser = await GetAsync(null, Basic("someone-else", gerrit.HttpPassword));
        var right = await GetAsync(null);
        using var anonymousPath = await Http.SendAsync(
            new HttpRequestMessage(HttpMethod.Get, new Uri(gerrit.HttpUrl, "plugins/events-log/events/"))
            { Headers = { Authorization = gerrit.EventsLog.Authorization } });

        using (Assert.EnterMultipleScope())
        {
            Assert.That(nobody.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(nobody.Challenge, Is.EqualTo("Basic realm=\"Gerrit Code Review\""));
            Assert.That(wrongPassword.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(wrongUser.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(anonymousPath.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "only /a/ takes HTTP credentials");
            Assert.That(right.Status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(right.ContentType, Is.EqualTo("text/html"));
        }
    }

    [Test]
    public async Task A_date_in_any_other_format_is_a_400()
    {
        string[] bad =
        [
            "t1=2021-01-01T10:00:00", "t1=2021-01-01%2010:00:00.000", "t1=2021-13-01", "t1=2021-1-01",
            "t1=yesterday", "t2=", "since=2021-01-01", "",
        ];
        string[] good = ["t1=2021-01-01", "t1=2021-01-01+10:00:00", "t1=2021-01-01%2010%3A00%3A00;t2=2021-02-31"];

        foreach (string query in bad)
            Assert.That((await GetAsync(query)).Status, Is.EqualTo(HttpStatusCode.BadRequest), query);
        foreach (string query in good)
            Assert.That((await GetAsync(query)).Status, Is.EqualTo(HttpStatusCode.OK), query);
    }

    [Test]
    public async Task The_window_holds_both_ends_to_the_second_oldest_first()
    {
        long day = Day(2021, 1, 1);
        gerrit.Emit(Enumerable.Range(0, 7).Select(i => Event("window", day + 10 + i, $"n{i}")).ToArray());
        await gerrit.EventsLog.EmittedEventsAsync();

        var lines = await QueryAsync(Window(day + 11, day + 15));
        var reversed = await QueryAsync(Window(day + 15, day + 11));
        var fromT1 = await QueryAsync($"t1={Encode(day + 14)}");
        var toT2Only = await QueryAsync($"t2={Encode(day + 14)}");

        Assert.That(lines.Select(Marker), Is.EqualTo(new[] { "n1", "n2", "n3", "n4", "n5" }));
        Assert.That(reversed, Is.EqualTo(lines), "t1 and t2 are swapped when reversed");
        Assert.That(fromT1.Where(l => l.Contains("\"window\"")).Select(Marker), Is.EqualTo(new[] { "n4", "n5", "n6" }), "only t1: up to now");
        Assert.That(toT2Only.Where(l => l.Contains("\"window\"")).Select(Marker), Is.EqualTo(new[] { "n4", "n5", "n6" }), "only t2: from now back to t2");
    }

    [Test]
    public async Task A_full_window_is_cut_silently_at_the_return_limit()
    {
        long day = Day(2021, 1, 2);
        gerrit.Emit(Enumerable.Range(0, 5).Select(i => Event("limit", day + i, $"n{i}")).ToArray());
        var logged = (await gerrit.EventsLog.EmittedEventsAsync()).Where(e => e.IsLogged).Select(e => e.Logged!).ToList();
        gerrit.EventsLog.SetReturnLimit(3);

        var firstPage = await QueryAsync(Window(day, day + 60));
        var nextPage = await QueryAsync(Window(day + 2, day + 60));
        var latest = await QueryAsync(null);

        Assert.That(firstPage.Select(Marker), Is.EqualTo(new[] { "n0", "n1", "n2" }));
        Assert.That(nextPage.Select(Marker), Is.EqualTo(new[] { "n2", "n3", "n4" }), "asked again from the last line's second");
        Assert.That(latest, Is.EqualTo(logged.TakeLast(3)), "no window: the latest returnLimit events");
    }

    [Test]
    public async Task An_event_shows_in_the_log_only_after_the_storage_lag()
    {
        var lag = TimeSpan.FromSeconds(2);
        gerrit.EventsLog.SetLag(lag);
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string query = Window(now - 5, now + 5);
        var clock = Stopwatch.StartNew();

        gerrit.Emit(Event("lagging", now, "late"));
        var early = await QueryAsync(query);
        TimeSpan askedAfter = clock.Elapsed;
        await Eventually.UntilAsync(() => QueryAsync(query).Result.Any(l => l.Contains("\"lagging\"")),
            Deadline, "the event in the log");
        TimeSpan shownAfter = clock.Elapsed;

        if (askedAfter >= lag) Assert.Inconclusive($"the first query came {askedAfter} after the emit, later than the lag");
        Assert.That(early.Where(l => l.Contains("\"lagging\"")), Is.Empty);
        Assert.That(shownAfter, Is.GreaterThanOrEqualTo(lag - TimeSpan.FromMilliseconds(50)));
    }

    [Test]
    public async Task While_its_database_is_down_the_log_answers_503_then_catches_up()
    {
        long day = Day(2021, 1, 3);
        gerrit.EventsLog.SetDown(true);
        gerrit.Emit(Event("outage", day + 1, "during"));
        await gerrit.EventsLog.EmittedEventsAsync();

        var down = await GetAsync(Window(day, day + 60));
        var badWhileDown = await GetAsync("t1=soon");
        gerrit.EventsLog.SetDown(false);
        var back = await QueryAsync(Window(day, day + 60));

        Assert.That(down.Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(badWhileDown.Status, Is.EqualTo(HttpStatusCode.BadRequest), "the query is read before the database is asked");
        Assert.That(back.Select(Marker), Is.EqualTo(new[] { "during" }));
    }

    [Test]
    public async Task A_server_zone_other_than_UTC_shifts_the_window()
    {
        long at = Day(2021, 1, 4) + 5 * 3600 + 6 * 60 + 7; // 05:06:07 UTC is 10:36:07 in India
        gerrit.Emit(Event("zoned", at, "z"));
        await gerrit.EventsLog.EmittedEventsAsync();
        gerrit.EventsLog.SetTimeZone("Asia/Kolkata");

        var asUtc = await QueryAsync(Window(at, at));
        string local = TestGerritEventsLog.FormatTime(at, TimeSpan.FromMinutes(330));
        var asLocal = await QueryAsync($"t1={Uri.EscapeDataString(local)}&t2={Uri.EscapeDataString(local)}");

        Assert.That(local, Is.EqualTo("2021-01-04 10:36:07"));
        Assert.That(asUtc, Is.Empty);
        Assert.That(asLocal.Select(Marker), Is.EqualTo(new[] { "z" }));
    }

    [Test]
    public async Task Only_events_of_a_project_are_logged_and_each_in_the_plugins_own_serialisation()
    {
        long t = Day(2021, 1, 5) + 1;
        string[] lines =
        [
            $$"""{"type":"heartbeat","eventCreatedOn":{{t}}}""",
            """{"type":"dropped-output"}""",
            "not json at all",
            $$"""{"change":{"project":"p1","number":1},"project":"p1","type":"patchset-created","eventCreatedOn":{{t}}}""",
            $$"""{"refUpdate":{"project":"p2","refName":"refs/heads/main"},"type":"ref-updated","eventCreatedOn":{{t}}}""",
            $$"""{"projectName":"p3","headName":"refs/heads/main","type":"project-created","eventCreatedOn":{{t}}}""",
            $$"""{"change":{"project":"p4","number":4,"subject":"<b> & 'quotes'"},"type":"comment-added","eventCreatedOn":{{t}}}""",
        ];
        gerrit.Emit(lines);
        var emitted = (await gerrit.EventsLog.EmittedEventsAsync()).TakeLast(lines.Length).ToList();

        var logged = await QueryAsync(Window(t, t));

        Assert.That(emitted.Select(e => e.Line), Is.EqualTo(lines));
        Assert.That(emitted.Select(e => e.Project), Is.EqualTo(new[] { null, null, null, "p1", "p2", "p3", "p4" }));
        Assert.That(logged, Is.EqualTo(emitted.Where(e => e.IsLogged).Select(e => e.Logged)));
        for (int i = 0; i < 4; i++)
        {
            Assert.That(logged[i], Is.Not.EqualTo(lines[i + 3]), "the log's bytes are not the stream's");
            Assert.That(JsonNode.DeepEquals(JsonNode.Parse(logged[i]), JsonNode.Parse(lines[i + 3])), Is.True, logged[i]);
        }
    }

    [Test]
    public async Task A_stream_session_sees_only_events_made_after_it_started()
    {
        await gerrit.StartProducerAsync(50);
        await Eventually.UntilAsync(() => gerrit.EventsLog.EmittedEventsAsync().Result.Count(e => e.IsLogged) >= 5, Deadline, "some produced events");
        long before = (await gerrit.EventsLog.EmittedEventsAsync())[^1].FeedEnd;

        await using var ssh = CapturedProcess.Start("ssh", gerrit.SshArguments("gerrit", "stream-events"));
        await gerrit.WaitForStreamSessionsAsync(1, Deadline);
        await Eventually.UntilAsync(() => ssh.StdOut.Count >= 5, Deadline, "five streamed events", ssh.Transcript);
        await gerrit.StopProducerAsync();
        var seen = ssh.StdOut.Take(5).ToList();
        var emitted = (await gerrit.EventsLog.EmittedEventsAsync()).ToList();

        int first = emitted.FindIndex(e => e.Line == seen[0]);
        Assert.That(first, Is.GreaterThanOrEqualTo(0), "the first streamed line was emitted");
        Assert.That(emitted[first].FeedEnd, Is.GreaterThan(before), "nothing made before the session started is streamed");
        Assert.That(seen, Is.EqualTo(emitted.Skip(first).Take(5).Select(e => e.Line)), "and from then on, everything in order");
    }

    [Test]
    public async Task The_producer_keeps_producing_while_no_session_is_open()
    {
        Assert.That(gerrit.LiveStreamSessions(), Is.Empty);
        int already = (await gerrit.EventsLog.EmittedEventsAsync()).Count;

        await gerrit.StartProducerAsync(40);
        await Eventually.UntilAsync(() => gerrit.EventsLog.EmittedEventsAsync().Result.Count - already >= 14, Deadline, "14 produced events");
        await gerrit.StopProducerAsync();
        var produced = (await gerrit.EventsLog.EmittedEventsAsync()).Skip(already).ToList();
        gerrit.Emit("""{"type":"after-the-producer"}""");
        var after = (await gerrit.EventsLog.EmittedEventsAsync()).Skip(already).ToList();
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        Assert.That(produced.Select(e => JsonNode.Parse(e.Line)!["type"]!.GetValue<string>()).Distinct(),
            Is.SupersetOf(new[] { "patchset-created", "comment-added", "ref-updated", "change-merged" }));
        Assert.That(produced.All(e => e.IsLogged && e.Line.Contains("\"eventCreatedOn\":")), Is.True);
        Assert.That(produced.Select(e => e.CreatedOn), Is.Ordered.And.All.InRange(now - 30, now));
        Assert.That(after, Is.EqualTo(produced.Append(after[^1])), "nothing more once stopped");
        var inLog = await QueryAsync($"t1={Encode(produced[0].CreatedOn)}");
        Assert.That(produced.Select(e => e.Logged), Is.SubsetOf(inLog));
    }

    [Test]
    public async Task Emit_with_stamp_dates_every_event_now_and_leaves_other_lines_alone()
    {
        string[] lines = ["""{"type":"comment-added","project":"stamped"}""", """{"type":"ref-updated", "eventCreatedOn": 1 }""", "{}", "not json"];
        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        await ProcessRunner.RunAsync(Repo.ScriptPath("test-gerrit"), ["emit", gerrit.Dir, "--stamp"],
            Deadline, stdin: Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n"))));
        var emitted = (await gerrit.EventsLog.EmittedEventsAsync()).TakeLast(lines.Length).ToList();
        long after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        long now = emitted[0].CreatedOn;
        Assert.That(now, Is.InRange(before, after));
        Assert.That(emitted.Select(e => e.Line), Is.EqualTo(new[]
        {
            $$"""{"type":"comment-added","project":"stamped","eventCreatedOn":{{now}}}""",
            $$"""{"type":"ref-updated", "eventCreatedOn": {{now}} }""",
            $$"""{"eventCreatedOn":{{now}}}""",
            "not json",
        }));
    }

    private static long Day(int year, int month, int day) => new DateTimeOffset(year, month, day, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();

    private static string Event(string project, long createdOn, string marker) =>
        $$"""{"change":{"project":"{{project}}","subject":"{{marker}}"},"project":"{{project}}","type":"comment-added","eventCreatedOn":{{createdOn}}}""";

    private static string Marker(string logged) => JsonNode.Parse(logged)!["change"]!["subject"]!.GetValue<string>();

    private static string Encode(long unixSeconds) => Uri.EscapeDataString(TestGerritEventsLog.FormatTime(unixSeconds));

    // ';' as the separator on purpose: the plugin splits on it as on '&'.
    private static string Window(long from, long to) => $"t1={Encode(from)};t2={Encode(to)}";

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    private sealed record Answer(HttpStatusCode Status, string? ContentType, string? Challenge, string Body);

    private Task<Answer> GetAsync(string? query) => GetAsync(query, gerrit.EventsLog.Authorization);

    private async Task<Answer> GetAsync(string? query, AuthenticationHeaderValue? auth)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, gerrit.EventsLog.Url(query));
        request.Headers.Authorization = auth;
        using var response = await Http.SendAsync(request);
        return new Answer(response.StatusCode, response.Content.Headers.ContentType?.ToString(),
            response.Headers.WwwAuthenticate.FirstOrDefault()?.ToString(), await response.Content.ReadAsStringAsync());
    }

    private async Task<IReadOnlyList<string>> QueryAsync(string? query)
    {
        var answer = await GetAsync(query);
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), $"{query}: {answer.Body}");
        Assert.That(answer.Body, Does.EndWith("\n").Or.Empty);
        return answer.Body.Split('\n')[..^1];
    }
}
