namespace Germqtt.Tests.Fixtures;

/// <summary>Starts the real germqtt process and waits until it streams from the test Gerrit.</summary>
public static class RunningBridge
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A base topic no other test uses, so probes see only their own test's events.</summary>
    public static string UniqueTopic() => "t" + Guid.NewGuid().ToString("N")[..12];

    public static async Task<GermqttProcess> StartAsync(TestGerrit gerrit, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var before = gerrit.LiveStreamSessions().ToHashSet();
        var bridge = GermqttProcess.Start(arguments, null, environment);
        try
        {
            await WaitForNewSessionAsync(gerrit, before, bridge);
            return bridge;
        }
        catch
        {
            // A failed start must not leave germqtt running after the test.
            await bridge.DisposeAsync();
            throw;
        }
    }

    public static Task<GermqttProcess> StartAsync(TestGerrit gerrit, string configPath, params string[] extra) =>
        StartAsync(gerrit, ["--config", configPath, .. extra]);

    /// <summary>Waits for a stream session of this germqtt that is not in <paramref name="before"/>: it (re)connected.</summary>
    public static async Task WaitForNewSessionAsync(TestGerrit gerrit, IReadOnlySet<int> before, CapturedProcess bridge)
    {
        await Eventually.UntilAsync(
            () => bridge.HasExited || gerrit.StreamSessionsOf(bridge.Pid).Any(s => !before.Contains(s)),
            StartTimeout, "germqtt to open a stream-events session", () => bridge.Transcript() + "\n" + gerrit.Describe());
        Assert.That(bridge.HasExited, Is.False, "germqtt exited:\n" + bridge.Transcript());
    }
}
