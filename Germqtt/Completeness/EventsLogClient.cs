using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace Germqtt.Completeness;

/// <summary>
/// Asks Gerrit's events-log plugin for the events made in a window:
/// GET &lt;http_url&gt;/a/plugins/events-log/events/?t1=FROM&amp;t2=TO, with HTTP basic auth. The
/// plugin reads both dates as the server's local time at second resolution, inclusive at both ends,
/// and answers one event per line, oldest first, cut without a word at its return limit.
/// </summary>
public sealed class EventsLogClient : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);

    private readonly EventsLogOptions _options;
    private readonly int _maxLine;
    private readonly HttpClient _http;
    private readonly Uri _events;

    public EventsLogClient(EventsLogOptions options, int maxLine, TimeSpan connectTimeout)
    {
        _options = options;
        _maxLine = maxLine;
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = connectTimeout, AllowAutoRedirect = false })
        {
            Timeout = RequestTimeout,
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{options.Username}:{options.Password}")));
        string root = options.Url.AbsoluteUri.EndsWith('/') ? options.Url.AbsoluteUri : options.Url.AbsoluteUri + "/";
        _events = new Uri(new Uri(root), "a/plugins/events-log/events/");
    }

    /// <summary>Where the events are asked for, for log lines (it holds no secret).</summary>
    public string Endpoint => _events.AbsoluteUri;

    /// <summary>The lines of one answer for creation times <paramref name="from"/>..<paramref name="to"/> (Unix seconds).</summary>
    /// <exception cref="EventsLogException">The endpoint failed or refused; the message says why, without credentials.</exception>
    /// <remarks>Without a window (both null) the plugin answers its latest events, up to its return limit.</remarks>
    public async Task<List<byte[]>> FetchAsync(long? from, long? to, CancellationToken cancel)
    {
        var uri = from is { } t1 && to is { } t2
            ? new Uri($"{_events.AbsoluteUri}?t1={Uri.EscapeDataString(Local(t1, earlier: true))}&t2={Uri.EscapeDataString(Local(t2, earlier: false))}")
            : _events;
        try
        {
            using var response = await _http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancel);
            if (response.StatusCode != HttpStatusCode.OK) throw new EventsLogException(Refusal(response.StatusCode));
            await using var body = await response.Content.ReadAsStreamAsync(cancel);
            var lines = new List<byte[]>();
            var splitter = new LineSplitter(_maxLine, line => { if (line.Length > 0) lines.Add(line); }, _ => { });
            await Task.Run(() => splitter.Pump(body, () => cancel.ThrowIfCancellationRequested()), cancel);
            return lines;
        }
        catch (Exception e) when (e is HttpRequestException or IOException || e is TaskCanceledException && !cancel.IsCancellationRequested)
        {
            throw new EventsLogException(e is TaskCanceledException ? $"no answer within {RequestTimeout.TotalSeconds:0}s" : e.Message);
        }
    }

    private string Refusal(HttpStatusCode status) => status switch
    {
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
            $"HTTP {(int)status} {status}: Gerrit did not accept the HTTP credentials of '{_options.Username}' ([gerrit] http_username, http_password)",
        HttpStatusCode.NotFound => "HTTP 404 Not Found: is the events-log plugin installed, and is [gerrit] http_url Gerrit's web URL?",
        HttpStatusCode.ServiceUnavailable => "HTTP 503 Service Unavailable: the events-log plugin's database is unavailable",
        _ => $"HTTP {(int)status} {status}",
    };

    /// <summary>
    /// The plugin's date format, in the server's zone. Where local time is ambiguous (the hour a
    /// clock is set back) the server may read either offset: the window is widened by an hour on
    /// that side, and what is fetched twice is known by its identity.
    /// </summary>
    private string Local(long unixSeconds, bool earlier)
    {
        var local = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeSeconds(unixSeconds), _options.TimeZone).DateTime;
        if (_options.TimeZone.IsAmbiguousTime(local)) local = local.AddHours(earlier ? -1 : 1);
        return local.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
    }

    public void Dispose() => _http.Dispose();
}
