namespace Germqtt.Tests.Fixtures;

/// <summary>
/// A broker as the Puppet module sets one up for a public firehose, defaults and all: the
/// `mosquitto` class applied into a throwaway root (free loopback ports for MQTT and websockets,
/// one publisher), then mosquitto started from the files it wrote. Persistence is on, as in
/// production, so <see cref="RestartAsync"/> is a restart that keeps sessions.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FirehoseBroker : IAsyncDisposable
{
    public const string Publisher = "germqtt";
    private readonly PuppetRoot root;
    private ConfiguredMosquitto broker;

    private FirehoseBroker(PuppetRoot root, ConfiguredMosquitto broker, int websocketsPort, string password)
    {
        this.root = root;
        this.broker = broker;
        WebsocketsPort = websocketsPort;
        Password = password;
    }

    public static string Host => "127.0.0.1";
    public int Port => broker.Port;
    public int WebsocketsPort { get; }
    public string Password { get; }
    public string ConfigPath => broker.ConfigPath;
    public string Config => File.ReadAllText(ConfigPath);

    public static async Task<FirehoseBroker> StartAsync()
    {
        PuppetTools.Require("puppet");
        var root = PuppetRoot.Create();
        string password = "pw-" + Guid.NewGuid().ToString("N");
        try
        {
            // A port that was free a moment ago can be taken before mosquitto binds it.
            for (int attempt = 1; ; attempt++)
            {
                int[] ports = FreePort.Next(2);
                string manifest = WriteManifest(root, ports[0], ports[1], password);
                var apply = await root.ApplyAsync(manifest);
                if (apply.ExitCode is not (0 or 2))
                    Assert.Fail($"puppet apply of the mosquitto module failed\n{PuppetTools.Describe(apply)}");
                try
                {
                    var broker = await ConfiguredMosquitto.StartAsync(root.P("/etc/mosquitto/mosquitto.conf"), ports[0], LogPath(root));
                    return new FirehoseBroker(root, broker, ports[1], password);
                }
                catch (Exception e) when (attempt < 3 && e.Message.Contains("Address already in use"))
                {
                    TestContext.Out.WriteLine($"port taken, applying again with fresh ports: {e.Message}");
                }
            }
        }
        catch
        {
            root.Dispose();
            throw;
        }
    }

    /// <summary>
    /// SIGTERM (what `systemctl restart` sends; the broker saves its sessions), then
    /// <paramref name="whileStopped"/>, then the same config again on the same port.
    /// </summary>
    public async Task RestartAsync(Action? whileStopped = null)
    {
        await broker.StopAsync();
        await broker.DisposeAsync();
        whileStopped?.Invoke();
        broker = await ConfiguredMosquitto.StartAsync(broker.ConfigPath, broker.Port, broker.LogPath);
    }

    public Task<ProcessResult> PublishAsync(string topic, string message) =>
        MosquittoPub.PublishAsync(Port, topic, message, Publisher, Password);

    public string Describe() => broker.Describe();

    public async ValueTask DisposeAsync()
    {
        await broker.DisposeAsync();
        root.Dispose();
    }

    private static string LogPath(PuppetRoot root) => root.P(MosquittoManifest.LogFile);

    /// <summary>The module's defaults, except what a throwaway root on loopback needs.</summary>
    private static string WriteManifest(PuppetRoot root, int port, int websocketsPort, string password)
    {
        string dirs = string.Join(", ", MosquittoManifest.Directories.Select(d => PuppetTools.Quote(root.P(d))));
        string site = $"file {{ [{dirs}]:\n  ensure => directory,\n}}\n\n"
                      + MosquittoManifest.Class(root, port, websocketsPort,
                          $"publishers => {{ '{Publisher}' => {{ 'password' => Sensitive({PuppetTools.Quote(password)}) }} }},");
        string path = Path.Combine(root.Dir, "site.pp");
        File.WriteAllText(path, site);
        return path;
    }
}
