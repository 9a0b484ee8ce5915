namespace Germqtt.Tests.Fixtures;

/// <summary>
/// The mosquitto module applied by `puppet apply` into a throwaway root with the live event page
/// on (<c>serve_page</c>), and mosquitto started from the configuration and page Puppet wrote:
/// the page is served by the broker's websockets listener, as on a real firehose host.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PageBroker : IAsyncDisposable
{
    public const string Publisher = "germqtt";
    private readonly PuppetRoot root;
    private ConfiguredMosquitto? broker;

    private PageBroker(PuppetRoot root, string password)
    {
        this.root = root;
        Password = password;
    }

    public string Password { get; }
    public int MqttPort { get; private set; }
    public int WebsocketsPort { get; private set; }
    public string PageUrl => $"http://127.0.0.1:{WebsocketsPort}/";
    public string ConfPath => root.P("/etc/mosquitto/mosquitto.conf");
    public string PageDir => root.P("/var/www/mosquitto");
    public string LogPath => root.P("/var/log/mosquitto/mosquitto.log");
    public ConfiguredMosquitto Broker => broker ?? throw new InvalidOperationException("the broker is not running");

    /// <summary>Applies the module; the publisher may write <paramref name="publisherTopics"/>.</summary>
    public static async Task<PageBroker> StartAsync(params string[] publisherTopics)
    {
        PuppetTools.Require("puppet");
        var page = new PageBroker(PuppetRoot.Create(), "pw-" + Guid.NewGuid().ToString("N"));
        try
        {
            // A port that was free a moment ago can be taken before mosquitto binds it: then the
            // files are applied again with fresh ports.
            for (int attempt = 1; ; attempt++)
            {
                int[] ports = FreePort.Next(2);
                (page.MqttPort, page.WebsocketsPort) = (ports[0], ports[1]);
                var apply = await page.root.ApplyAsync(page.WriteManifest(publisherTopics));
                if (apply.ExitCode != 2)
                    Assert.Fail($"puppet apply should write the broker's files and exit 2\n{PuppetTools.Describe(apply)}");
                try
                {
                    await page.LaunchAsync();
                    return page;
                }
                catch (Exception e) when (attempt < 3 && e.Message.Contains("Address already in use"))
                {
                    TestContext.Out.WriteLine($"port taken, applying again with fresh ports: {e.Message}");
                }
            }
        }
        catch
        {
            await page.DisposeAsync();
            throw;
        }
    }

    /// <summary>A clean stop (SIGTERM); <see cref="StartAgainAsync"/> brings the same broker back on the same ports.</summary>
    public async Task StopAsync()
    {
        if (broker is null) return;
        await broker.StopAsync();
        await broker.DisposeAsync();
        broker = null;
    }

    public Task StartAgainAsync() => LaunchAsync();

    public string Describe() => broker?.Describe() ?? $"mosquitto -c {ConfPath}: stopped";

    public async ValueTask DisposeAsync()
    {
        if (broker is not null) await broker.DisposeAsync();
        root.Dispose();
    }

    private async Task LaunchAsync() => broker = await ConfiguredMosquitto.StartAsync(ConfPath, MqttPort, LogPath);

    /// <summary>site.pp: the mosquitto class with every path below the throwaway root, no package or service.</summary>
    private string WriteManifest(string[] publisherTopics)
    {
        string R(string path) => PuppetTools.Quote(root.P(path));
        string dirs = string.Join(", ", new[] { "/etc", "/var", "/var/www", "/var/lib", "/var/log", "/var/log/mosquitto" }.Select(R));
        string topics = string.Join(", ", publisherTopics.Select(PuppetTools.Quote));
        string mosquitto = MosquittoManifest.Class(root, MqttPort, WebsocketsPort,
            "persistence          => false,",
            "serve_page           => true,",
            $"page_dir             => {R("/var/www/mosquitto")},",
            $"publishers           => {{ '{Publisher}' => {{ 'password' => Sensitive({PuppetTools.Quote(Password)}), 'topics' => [{topics}] }} }},");
        string site = $$"""
            # Written by PageBroker: the broker with its live event page, into a throwaway root.
            file { [{{dirs}}]:
              ensure => directory,
            }

            {{mosquitto}}
            """;
        string path = Path.Combine(root.Dir, "site.pp");
        File.WriteAllText(path, site);
        return path;
    }
}
