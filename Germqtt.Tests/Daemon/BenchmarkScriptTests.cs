using Germqtt.Tests.Fixtures;

namespace Germqtt.Tests.Daemon;

/// <summary>
/// scripts/bench stays runnable by anyone: a tiny run of every subject goes through the whole
/// harness (daemons, build, emitter, subscriber, report). What it measures is not asserted here:
/// the numbers are for BENCHMARKS.md, not for a timed test.
/// </summary>
[TestFixture, NonParallelizable, Category("Slow")]
public class BenchmarkScriptTests
{
    [Test]
    public async Task A_short_benchmark_run_checks_every_event_and_writes_its_report()
    {
        string output = Path.Combine(Path.GetTempPath(), $"germqtt-bench-{Guid.NewGuid():N}.md");
        try
        {
            var run = await ProcessRunner.RunAsync(Repo.ScriptPath("bench"),
                ["--quick", "--qos", "1", "--reps", "1", "--startup-reps", "1", "--events", "2000", "--latency-events", "100",
                 "--subjects", "germqtt,aot,redact,limit", "--output", output],
                TimeSpan.FromMinutes(15), check: false, workingDirectory: Repo.Root);
            Assert.That(run.ExitCode, Is.Zero, () => $"scripts/bench failed:\n{run.StdOut}\n{run.StdErr}");
            string report = File.ReadAllText(output);
            TestContext.Out.WriteLine(report);
            Assert.That(report, Does.Contain("germqtt: no event lost, duplicated or out of order"));
            Assert.That(report, Does.Contain("| 1 | germqtt redact |").And.Contain("| 1 | limit |"));
            Assert.That(report, Does.Contain("### Start to first publish").And.Contain("### Redaction").And.Contain("### Subscriber check"));
            // Redaction is compared with the same build, whichever builds there are.
            Assert.That(report, Does.Not.Contain("Not measured"));
        }
        finally
        {
            File.Delete(output);
        }
    }

    /// <summary>The fan-out mode: a broker from the Puppet module, germqtt, and a few subscribers of each transport.</summary>
    [Test]
    public async Task A_short_fanout_run_delivers_every_event_to_every_subscriber()
    {
        var run = await ProcessRunner.RunAsync(Repo.ScriptPath("bench"), ["fanout", "--seconds", "2", "4"],
            TimeSpan.FromMinutes(10), check: false, workingDirectory: Repo.Root);
        Assert.That(run.ExitCode, Is.Zero, () => $"scripts/bench fanout failed:\n{run.StdOut}\n{run.StdErr}");
        TestContext.Out.WriteLine(run.StdOut);
        Assert.That(run.StdOut, Does.Contain("| N | events lost |"));
        Assert.That(run.StdOut, Does.Match(@"(?m)^\| 4 \| 0 \| 0 \| [0-9.]+ \|"), "4 subscribers, no event lost or duplicated");
    }
}
