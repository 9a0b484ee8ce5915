namespace Germqtt.Tests.Fixtures;

/// <summary>Starts the real germqtt process and waits until it streams from the test Gerrit.</summary>
public static class RunningBridge
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A base topic no other test uses, so probes see only their own test's events.</summary>
    public static string UniqueTopic() => "t" + Guid.NewGuid().ToString("N")[..12];

    public static async Task<GermqttProcess> StartAsync(TestGerrit gerrit, IEnumerable<string> arguments)
    {
        var before = gerrit.LiveStreamSessions().ToHashSet();
        var bridge = GermqttProcess.Start([.. arguments]);
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

    /// <summary>Waits for a stream session that is not in <paramref name="before"/>: germqtt (re)connected.</summary>
    public static async Task WaitForNewSessionAsync(TestGerrit gerrit, IReadOnlySet<int> before, CapturedProcess bridge)
    {
        await Eventually.UntilAsync(
            () => bridge.HasExited || gerrit.LiveStreamSessions().Any(s => !before.Contains(s)),
            StartTimeout, "germqtt to open a stream-events session", () => bridge.Transcript() + "\n" + gerrit.Describe());
        Assert.That(bridge.HasExited, Is.False, "germqtt exited:\n" + bridge.Transcript());
    }
}
