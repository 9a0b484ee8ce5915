using System.Text.Json;
using Germqtt.Tests.Fixtures;

namespace Germqtt.Tests.Daemon;

/// <summary>
/// The live event page in a real headless Chromium, loaded from a mosquitto that runs the
/// configuration the Puppet module rendered (serve_page on), while the real germqtt streams
/// events from a test Gerrit into it.
/// </summary>
[TestFixture, ToolBound, Category("Slow")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class LivePageTests
{
    private const string StatusTopic = "gerrit/germqtt/status";
    private PageBroker broker = null!;
    private TestGerrit gerrit = null!;
    private GermqttProcess bridge = null!;
    private HeadlessChromium chromium = null!;
    private LivePage page = null!;

    [OneTimeSetUp]
    public async Task StartBrokerGermqttAndBrowser()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // The test Gerrit and Chromium start while Puppet applies the broker's configuration.
        var starting = (Broker: PageBroker.StartAsync("gerrit/#"), Gerrit: TestGerrit.StartAsync(), Chromium: HeadlessChromium.StartAsync());
        try
        {
            await Task.WhenAll(starting.Broker, starting.Gerrit, starting.Chromium);
        }
        finally
        {
            // What did start is stopped by the teardown, even when another part failed.
            broker = starting.Broker.IsCompletedSuccessfully ? starting.Broker.Result : null!;
            gerrit = starting.Gerrit.IsCompletedSuccessfully ? starting.Gerrit.Result : null!;
            chromium = starting.Chromium.IsCompletedSuccessfully ? starting.Chromium.Result : null!;
        }
        TestContext.Progress.WriteLine($"live page: puppet apply and mosquitto, test Gerrit, Chromium {clock.Elapsed.TotalSeconds:0.0} s");
        bridge = await RunningBridge.StartAsync(gerrit, WriteIni());
        page = new LivePage(chromium.WebDriver, broker.PageUrl);
        TestContext.Progress.WriteLine($"live page: + germqtt {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [OneTimeTearDown]
    public async Task StopEverything()
    {
        chromium?.Dispose();
        if (bridge is not null) await bridge.DisposeAsync();
        if (gerrit is not null) await gerrit.DisposeAsync();
        if (broker is not null) await broker.DisposeAsync();
    }

    [Test]
    public async Task Every_sample_event_appears_newest_first_with_its_type_project_change_number_and_who()
    {
        await page.OpenAsync();
        string[] samples = File.ReadAllLines(SampleEvents.Path);
        gerrit.Emit(samples);
        await page.WaitForEventsAsync(samples.Length);

        var expected = samples.Select(Expected).Reverse().ToList();
        var shown = page.Events().Select(r => (r.Type, r.Project, r.Number, r.Who)).ToList();
        Assert.That(shown, Is.EqualTo(expected), page.Describe);
        Assert.That(page.Text("count"), Is.EqualTo($"{samples.Length} events"));
        Assert.That(page.Text("rate"), Is.EqualTo($"{samples.Length} / min"));
        Assert.That(page.Events().Select(r => r.Link), Does.Contain("https://cl.tvl.fyi/c/depot/+/244"),
            "a change's subject links to its URL");
        chromium.SaveScreenshot("live-page.png");
    }

    [Test]
    public async Task Editing_the_topic_filter_narrows_what_appears()
    {
        await page.OpenAsync();
        page.SetTopicFilter("gerrit/mediawiki/#");
        await page.WaitForSubscriptionAsync("gerrit/mediawiki/#");
        Assert.That(page.Driver.Url, Does.EndWith("?topic=gerrit%2Fmediawiki%2F%23"), "the address can be shared");

        string[] samples = File.ReadAllLines(SampleEvents.Path);
        // The last one shows once the broker has handled every event before it (one ordered stream).
        const string last = """{"type":"change-merged","change":{"project":"mediawiki/last","number":1}}""";
        gerrit.Emit([.. samples, last]);
        await page.WaitForRowAsync(r => r.Project == "mediawiki/last", "the last mediawiki event");

        var expected = samples.Select(Expected).Where(e => e.Project.StartsWith("mediawiki/", StringComparison.Ordinal)).Select(e => e.Project)
            .Append("mediawiki/last").Reverse().ToList();
        Assert.That(expected, Has.Count.GreaterThan(10), "the samples hold mediawiki events");
        Assert.That(page.Events().Select(r => r.Project), Is.EqualTo(expected), page.Describe);
    }

    [Test]
    public async Task Html_and_script_in_an_event_show_as_literal_text_and_run_nothing()
    {
        await page.OpenAsync();
        page.Script("window.injected = 0;");
        const string subject = "<img src=x onerror=\"window.injected=1\"> fix";
        const string comment = "<script>window.injected=2</script>LGTM";
        const string name = "<b onmouseover=\"window.injected=3\">mallory</b>";
        string hostile = JsonSerializer.Serialize(new
        {
            type = "comment-added",
            project = "<i>proj</i>",
            change = new { project = "<i>proj</i>", number = 7, subject, url = "javascript:window.injected=4" },
            author = new { name },
            comment,
        });
        gerrit.Emit(hostile);
        await page.WaitForEventsAsync(1);

        var row = page.Events().Single();
        Assert.That(row.Change, Does.Contain(subject).And.Contain(comment), page.Describe);
        Assert.That(row.Who, Is.EqualTo(name));
        Assert.That(row.Project, Is.EqualTo("<i>proj</i>"));
        Assert.That(row.Link, Is.Null, "a javascript: URL is not made a link");
        Assert.That(page.Script("return document.querySelectorAll('#rows img, #rows script, #rows b, #rows i').length;"),
            Is.Zero, "no element was made from the event's text");
        Assert.That(page.Script("return window.injected;"), Is.Zero, "nothing from the event ran");
    }

    [Test]
    public async Task A_gap_notice_shows_as_its_own_row_between_events()
    {
        await page.OpenAsync();
        gerrit.Emit("""{"type":"change-merged","change":{"project":"before","number":1}}""");
        await page.WaitForEventsAsync(1);
        var gap = await MosquittoPub.PublishAsync(broker.MqttPort, $"{StatusTopic}/gap",
            """{"from":"2026-12-01T22:00:00Z","to":"2026-12-01T22:05:30Z","complete":false,"recovered":0,"reason":"gerrit connection lost"}""",
            PageBroker.Publisher, broker.Password);
        Assert.That(gap.ExitCode, Is.Zero, () => PuppetTools.Describe(gap));
        gerrit.Emit("""{"type":"change-merged","change":{"project":"after","number":2}}""");
        await page.WaitForRowAsync(r => r.Project == "after", "the event after the gap");

        var rows = page.Rows();
        Assert.That(rows.Select(r => r.Kind), Is.EqualTo(new[] { "event", "gap", "event" }), page.Describe);
        // In the browser's time zone, with the date unless it is today.
        Assert.That(rows[1].Text, Does.Match(
            @"^gap: events between (\d{4}-\d\d-\d\d )?\d\d:\d\d:00 and (\d{4}-\d\d-\d\d )?\d\d:\d\d:30 may be missing"));
        Assert.That(rows[1].Text, Does.Contain("gerrit connection lost"));
        Assert.That(page.Text("count"), Is.EqualTo("2 events"), "a gap notice is not counted as an event");
    }

    [Test]
    public async Task After_a_broker_restart_the_page_reconnects_by_itself_and_shows_new_events()
    {
        await page.OpenAsync();
        try
        {
            await broker.StopAsync();
            await page.WaitForConnectionAsync("disconnected");
        }
        finally
        {
            await broker.StartAgainAsync();
        }
        await page.WaitForConnectionAsync("connected");
        await page.WaitForSubscriptionAsync("gerrit/#");

        gerrit.Emit("""{"type":"patchset-created","change":{"project":"after/restart","number":3}}""");
        await page.WaitForRowAsync(r => r.Project == "after/restart", "the event published after the restart");
    }

    [Test]
    public async Task Pause_holds_new_events_until_resume()
    {
        await page.OpenAsync();
        page.Click("pause");
        gerrit.Emit("""{"type":"change-merged","change":{"project":"held","number":4}}""");
        await Eventually.UntilAsync(() => page.Text("pause") == "Resume (1 waiting)", LivePage.Wait,
            "the Resume button to count the held event", page.Describe);
        Assert.That(page.Events(), Is.Empty, "nothing shows while paused");

        page.Click("pause");
        await page.WaitForRowAsync(r => r.Project == "held", "the held event after Resume");
        Assert.That(page.Text("pause"), Is.EqualTo("Pause"));
    }

    /// <summary>Type, project, change number and who, as the page should show them.</summary>
    private static (string Type, string Project, string Number, string Who) Expected(string line)
    {
        using var doc = JsonDocument.Parse(line);
        var e = doc.RootElement;
        string? Str(JsonElement o, string name) =>
            o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v)
                ? v.ValueKind switch { JsonValueKind.String => v.GetString(), JsonValueKind.Number => v.GetRawText(), _ => null }
                : null;
        JsonElement Get(string name) => e.TryGetProperty(name, out var v) ? v : default;
        string project = Str(e, "project") ?? Str(Get("project"), "name") ?? Str(Get("change"), "project")
                         ?? Str(Get("refUpdate"), "project") ?? Str(e, "projectName") ?? "";
        string who = new[] { "uploader", "author", "submitter", "abandoner", "restorer", "deferrer", "deleter", "remover", "editor", "changer", "adder", "reviewer", "publisher" }
            .Where(p => Get(p).ValueKind == JsonValueKind.Object)
            .Select(p => Str(Get(p), "name") is { Length: > 0 } n ? n : Str(Get(p), "username") ?? "")
            .FirstOrDefault() ?? "";
        return (Str(e, "type")!, project, Str(Get("change"), "number") ?? "", who);
    }

    private string WriteIni()
    {
        var sections = IniFile.BridgeSections(gerrit, "127.0.0.1", broker.MqttPort, "gerrit", qos: 1);
        sections["default"] = new() { ["stats_interval"] = "0", ["drain_timeout"] = "1" };
        var mqtt = sections["mqtt"];
        mqtt["username"] = PageBroker.Publisher;
        mqtt["password"] = broker.Password;
        mqtt["status_topic"] = StatusTopic;
        mqtt["retry_initial"] = "0.2";   // back soon after the broker restart
        mqtt["retry_max"] = "1";
        return IniFile.Write(sections, Path.Combine(gerrit.Dir, "germqtt-page.ini"));
    }
}
