using System.Text.Json;
using OpenQA.Selenium;

namespace Germqtt.Tests.Fixtures;

/// <summary>One row of the live event page as a visitor reads it: its cells' visible text.</summary>
public sealed record PageRow(
    string Kind, string Time, string Type, string Project, string Number, string Change, string Who, string Text, string? Link);

/// <summary>
/// The live event page in a browser, read the way a visitor reads it: rows, figures and the
/// connection indicator by their visible text. Each read is one script call, so a poll is cheap.
/// </summary>
public sealed class LivePage(IWebDriver driver, string url)
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    // innerText: what is rendered, not markup. A cell missing from a row reads as "".
    private const string ReadRows = """
        return JSON.stringify(Array.from(document.querySelectorAll('#rows > tr')).map(function (tr) {
          function text(sel) { var c = tr.querySelector(sel); return c ? c.innerText : ''; }
          var a = tr.querySelector('td.change a');
          return { Kind: tr.className, Time: text('td.time'), Type: text('td.type'), Project: text('td.project'),
                   Number: text('td.change .number'), Change: text('td.change'), Who: text('td.who'), Text: tr.innerText, Link: a ? a.getAttribute('href') : null };
        }));
        """;

    public IWebDriver Driver => driver;

    /// <summary>Loads the page and waits until it is connected and subscribed to <paramref name="filter"/>.</summary>
    public async Task OpenAsync(string filter = "gerrit/#")
    {
        driver.Navigate().GoToUrl(url + "?topic=" + Uri.EscapeDataString(filter));
        await WaitForConnectionAsync("connected");
        await WaitForSubscriptionAsync(filter);
    }

    /// <summary>The filter the broker acknowledged: events published from now on show.</summary>
    public string? Subscribed() =>
        (string?)Script("return document.getElementById('topic').dataset.subscribed || null;");

    public Task WaitForSubscriptionAsync(string filter) =>
        Eventually.UntilAsync(() => Subscribed() == filter, Wait, $"the page's subscription to {filter}", Describe);

    public IReadOnlyList<PageRow> Rows() =>
        JsonSerializer.Deserialize<List<PageRow>>((string)Script(ReadRows)!)!;

    public IReadOnlyList<PageRow> Events() => Rows().Where(r => r.Kind == "event").ToList();

    public string ConnectionState() => (string)Script("return document.getElementById('connection').dataset.state;")!;

    public string Text(string id) => driver.FindElement(By.Id(id)).Text;

    /// <summary>Types a new filter into the topic field and presses Subscribe, as a visitor would.</summary>
    public void SetTopicFilter(string filter)
    {
        var field = driver.FindElement(By.Id("topic"));
        field.Clear();
        field.SendKeys(filter);
        driver.FindElement(By.Id("subscribe")).Click();
    }

    public void Click(string id) => driver.FindElement(By.Id(id)).Click();

    public object? Script(string script) => ((IJavaScriptExecutor)driver).ExecuteScript(script);

    public Task WaitForConnectionAsync(string state) =>
        Eventually.UntilAsync(() => ConnectionState() == state, Wait,
            $"the page's connection indicator to say {state}", () => $"indicator: {ConnectionState()}\n{Describe()}");

    public Task WaitForEventsAsync(int count) =>
        Eventually.UntilAsync(() => Events().Count >= count, Wait, $"{count} events on the page", Describe);

    public Task WaitForRowAsync(Func<PageRow, bool> match, string what) =>
        Eventually.UntilAsync(() => Rows().Any(match), Wait, what, Describe);

    /// <summary>What the page shows, for failure messages: the indicator, the figures and the first rows.</summary>
    public string Describe()
    {
        try
        {
            var rows = Rows();
            return $"page {driver.Url}: {ConnectionState()}, {Text("count")}, {rows.Count} rows\n"
                   + string.Join('\n', rows.Take(15).Select(r => $"  [{r.Kind}] {r.Text.ReplaceLineEndings(" | ")}"));
        }
        catch (WebDriverException e)
        {
            return $"page {url}: unreadable ({e.Message})";
        }
    }
}
