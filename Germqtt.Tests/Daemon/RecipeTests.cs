using Germqtt.Tests.Fixtures;

namespace Germqtt.Tests.Daemon;

/// <summary>
/// The examples in README.md's "Consuming the firehose", taken from the README itself and run
/// against a broker the Puppet module configured: each must print an event that the publisher
/// sends, as `topic payload`.
/// </summary>
[TestFixture, ToolBound, Category("Slow")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class RecipeTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    // `dotnet run` of a file-based app builds it first, restoring MQTTnet.
    private static readonly TimeSpan CSharpWait = TimeSpan.FromMinutes(3);
    private FirehoseBroker broker = null!;
    private RecipeSandbox sandbox = null!;

    [OneTimeSetUp]
    public async Task StartTheBroker()
    {
        sandbox = new RecipeSandbox();
        broker = await FirehoseBroker.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopTheBroker()
    {
        if (broker is not null) await broker.DisposeAsync();
        sandbox?.Dispose();
    }

    [Test]
    public void The_README_has_a_recipe_for_each_language_and_a_persistent_one_for_three()
    {
        Assert.That(ReadmeRecipes.All().Keys, Is.EquivalentTo(new[]
        {
            "shell", "python", "javascript", "csharp", "shell-persistent", "python-persistent", "javascript-persistent",
        }));
        Assert.That(ReadmeRecipes.MqttJsPackage(), Does.Match(@"^mqtt@\d+\.\d+\.\d+$"), "mqtt.js is pinned");
    }

    [TestCase("shell")]
    [TestCase("python")]
    [TestCase("javascript")]
    [TestCase("csharp")]
    [TestCase("shell-persistent")]
    [TestCase("python-persistent")]
    [TestCase("javascript-persistent")]
    public async Task The_README_recipe_prints_each_event_published_on_the_firehose(string name)
    {
        var recipe = ReadmeRecipes.Named(name);
        await using var consumer = await sandbox.StartAsync(recipe, FirehoseBroker.Host, broker.Port, broker.WebsocketsPort,
            clientId: $"recipe-{name}-{Guid.NewGuid():N}");
        string topic = "gerrit/openstack/nova/comment-added";
        string evt = $$"""{"type":"comment-added","project":"openstack/nova","change":{"number":{{Random.Shared.Next(1000, 999999)}}},"comment":"Recipe ✓ {{Guid.NewGuid():N}}"}""";
        string expected = $"{topic} {evt}";

        // The recipe subscribes at its own pace (the C# one is built first): publish until it shows.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var wait = recipe.Language == "csharp" ? CSharpWait : Wait;
        while (!consumer.StdOut.Contains(expected))
        {
            if (consumer.HasExited || clock.Elapsed > wait)
                Assert.Fail($"recipe {name} did not print `{expected}` within {clock.Elapsed.TotalSeconds:0} s\n"
                            + $"--- code ---\n{recipe.For(FirehoseBroker.Host, broker.Port, broker.WebsocketsPort)}\n{consumer.Transcript()}\n{broker.Describe()}");
            var pub = await broker.PublishAsync(topic, evt);
            Assert.That(pub.ExitCode, Is.Zero, () => PuppetTools.Describe(pub));
            await consumer.PrintedWithinAsync(line => line == expected, TimeSpan.FromMilliseconds(500));
        }
        Assert.That(consumer.StdErr, Has.None.Contains("rror"), consumer.Transcript);
    }
}
