using System.Text.RegularExpressions;
using Germqtt.Tests.Fixtures;

namespace Germqtt.Tests.Daemon;

/// <summary>
/// The README's "Missing nothing" promise, end to end: germqtt publishing a Gerrit stream at
/// QoS 1 to a broker configured by the Puppet module, the persistent recipes from the README
/// subscribed, and a graceful broker restart (SIGTERM, then the same configuration again, as
/// `systemctl restart` does) in the middle of the stream. Every recipe must print every event.
/// </summary>
[TestFixture, ToolBound, Category("Slow")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public partial class MissNothingRecipeTests
{
    private const int Events = 2000;
    private const int BeforeRestart = 600;
    private const int WhileStopped = 900;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);
    private static readonly string[] Recipes = ["shell-persistent", "python-persistent", "javascript-persistent"];

    [Test]
    public async Task Every_persistent_recipe_prints_every_event_of_a_stream_across_a_graceful_broker_restart()
    {
        using var sandbox = new RecipeSandbox();
        await using var gerrit = await TestGerrit.StartAsync();
        await using var broker = await FirehoseBroker.StartAsync();
        Assert.That(broker.Config, Does.Match("(?m)^persistence true$"), "the module keeps sessions on disk");

        var consumers = new List<(string Name, CapturedProcess Process)>();
        try
        {
            foreach (string name in Recipes)
            {
                var process = await sandbox.StartAsync(ReadmeRecipes.Named(name), FirehoseBroker.Host, broker.Port, broker.WebsocketsPort,
                    clientId: $"miss-nothing-{name}-{Guid.NewGuid():N}");
                consumers.Add((name, process));
            }
            var sections = IniFile.BridgeSections(gerrit, FirehoseBroker.Host, broker.Port, topic: "gerrit", qos: 1);
            sections["default"]["stats_interval"] = "0";
            sections["mqtt"]["username"] = FirehoseBroker.Publisher;
            sections["mqtt"]["password"] = broker.Password;
            sections["mqtt"]["retry_initial"] = "0.2";
            sections["mqtt"]["retry_max"] = "1";
            string ini = IniFile.Write(sections, Path.Combine(sandbox.Dir, "germqtt.ini"));
            await using var bridge = await RunningBridge.StartAsync(gerrit, ini);

            // Each consumer has subscribed once it prints an event; only then does the stream start.
            int warmUp = 0;
            await Eventually.UntilAsync(() =>
            {
                gerrit.Emit(Event("warm-up", ++warmUp));
                return consumers.All(c => c.Process.StdOut.Any(l => l.Contains("\"warm-up\"")));
            }, Wait, "every recipe to print a warm-up event", () => Describe(consumers, broker));

            // Part of the stream, then the restart as soon as every consumer has some of it (germqtt
            // is usually still publishing and the broker still delivering), more while the broker is
            // down (germqtt buffers it), and the rest once the consumers are back. What a consumer
            // lacks at any time stays below the broker's queue bound (max_queued_messages, 1,000),
            // past which the broker drops events for it by design.
            Emit(gerrit, 0, BeforeRestart);
            await Eventually.UntilAsync(() => consumers.All(c => Seqs(c.Process).Count > 0), Wait,
                "every recipe to print part of the stream", () => Describe(consumers, broker));
            await broker.RestartAsync(whileStopped: () =>
            {
                TestContext.Out.WriteLine("at the restart: " + string.Join(", ", consumers.Select(c => $"{c.Name} {Seqs(c.Process).Count}")));
                Emit(gerrit, BeforeRestart, WhileStopped);
            });
            await Eventually.UntilAsync(() => consumers.All(c => Seqs(c.Process).Count >= WhileStopped), Wait,
                $"every recipe to print the first {WhileStopped} events after the restart", () => Describe(consumers, broker));
            Emit(gerrit, WhileStopped, Events);

            await Eventually.UntilAsync(() => consumers.All(c => Seqs(c.Process).Count == Events), Wait,
                $"every recipe to print all {Events} events", () => Describe(consumers, broker) + "\n" + bridge.Transcript());
            foreach (var (name, process) in consumers)
                Assert.That(Seqs(process), Is.EquivalentTo(Enumerable.Range(0, Events)), name);
        }
        finally
        {
            foreach (var (_, process) in consumers) await process.DisposeAsync();
        }
    }

    private static void Emit(TestGerrit gerrit, int from, int to) =>
        gerrit.Emit([.. Enumerable.Range(from, to - from).Select(i => Event("stream", i))]);

    private static string Event(string project, int seq) =>
        $$"""{"type":"comment-added","project":"{{project}}","change":{"number":{{seq + 1}}},"seq":{{seq}}}""";

    /// <summary>The distinct events of the stream a consumer printed; a QoS 1 duplicate counts once.</summary>
    private static HashSet<int> Seqs(CapturedProcess consumer) =>
        consumer.StdOut.Where(l => l.StartsWith("gerrit/stream/comment-added ", StringComparison.Ordinal))
            .Select(l => int.Parse(SeqMember().Match(l).Groups[1].Value)).ToHashSet();

    private static string Describe(List<(string Name, CapturedProcess Process)> consumers, FirehoseBroker broker) =>
        string.Join("\n", consumers.Select(c =>
        {
            var seqs = Seqs(c.Process);
            var missing = Enumerable.Range(0, Events).Where(i => !seqs.Contains(i)).ToList();
            return $"{c.Name}: {seqs.Count} of {Events} events, missing {string.Join(",", missing.Take(20))}{(missing.Count > 20 ? ",..." : "")}; "
                   + $"stderr: {string.Join(" | ", c.Process.StdErr.TakeLast(5))}";
        })) + "\n" + broker.Describe();

    [GeneratedRegex("\"seq\":(\\d+)")]
    private static partial Regex SeqMember();
}
