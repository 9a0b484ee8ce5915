using System.Diagnostics;
using System.Text;
using Germqtt.Tests.Fixtures;

namespace Germqtt.Tests.Daemon;

/// <summary>
/// germqtt as a Unix filter (--stdin, --dry-run) and as a process that may be signalled at any
/// moment: it never hangs, never holds an endless line whole, and leaves no pid file behind.
/// </summary>
[NonParallelizable]
public class StandardStreamsTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private string _dir = null!;

    [SetUp]
    public void MakeDir() => _dir = Directory.CreateTempSubdirectory("germqtt-streams-").FullName;

    [TearDown]
    public void RemoveDir() => Directory.Delete(_dir, recursive: true);

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";

    [Test]
    public async Task Dry_run_into_head_returns_at_once_even_on_endless_input()
    {
        // `yes` never ends: germqtt must notice that head closed the pipe and stop reading.
        string command = $"yes '{{\"type\":\"comment-added\",\"project\":\"p\"}}' | {Quote(GermqttProcess.DotnetHost())} {Quote(GermqttProcess.DllPath)} " +
                         "--stdin --dry-run | head -n 3; echo \"status ${PIPESTATUS[1]}\" >&2";
        var clock = Stopwatch.StartNew();
        var result = await ProcessRunner.RunAsync("bash", ["-c", command], timeout: Wait);
        clock.Stop();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), result.StdErr);
            Assert.That(result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(3));
            Assert.That(result.StdErr, Does.Contain("status 0"));
            Assert.That(result.StdErr, Does.Not.Contain("error:"));
        }
    }

    [Test]
    public async Task Dry_run_into_an_output_that_fails_stops_reading_and_exits_non_zero()
    {
        string command = $"yes '{{\"type\":\"t\",\"project\":\"p\"}}' | {Quote(GermqttProcess.DotnetHost())} {Quote(GermqttProcess.DllPath)} " +
                         "--stdin --dry-run > /dev/full; echo \"status ${PIPESTATUS[1]}\" >&2";
        var result = await ProcessRunner.RunAsync("bash", ["-c", command], timeout: Wait);

        Assert.That(result.StdErr, Does.Contain("error: cannot deliver events any more: No space left on device").And.Contain("status 74"));
    }

    [Test]
    public async Task A_100_MB_line_is_skipped_without_holding_it_and_the_next_event_arrives()
    {
        await using var bridge = GermqttProcess.StartWithInput(["--stdin", "--dry-run", "--config", Path.Combine(_dir, "none.ini")]);
        var chunk = Encoding.ASCII.GetBytes(new string('x', 1 << 20));
        await bridge.Input.WriteAsync("{\"type\":\"huge\",\"project\":\"p\",\"x\":\""u8.ToArray());
        for (int i = 0; i < 100; i++) await bridge.Input.WriteAsync(chunk);
        await bridge.Input.WriteAsync("\"}\n{\"type\":\"next\",\"project\":\"p\"}\n"u8.ToArray());
        await bridge.Input.FlushAsync();

        await bridge.WaitForOutputAsync(l => l.StartsWith("gerrit/p/next\t", StringComparison.Ordinal), Wait, "the event after the long line");
        long peakKb = PeakRssKb(bridge.Pid);
        bridge.Input.Close();
        Assert.That(await bridge.WaitForExitAsync(Wait), Is.Zero);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(peakKb, Is.LessThan(200 * 1024), "peak RSS in kB");
            Assert.That(bridge.StdOut, Has.None.Contains("huge"));
            Assert.That(bridge.StdErr, Has.Some.Contains($"skipped an event line of {100 * (1 << 20) + 36} bytes: longer than [gerrit] max_event_size"));
            Assert.That(bridge.StdErr, Has.Some.Contains("read=2 published=1 malformed=1"));
        }
    }

    [Test]
    public async Task SIGTERM_while_stdin_waits_for_input_stops_at_once()
    {
        await using var bridge = GermqttProcess.StartWithInput(["--stdin", "--dry-run", "--config", Path.Combine(_dir, "none.ini")]);
        await bridge.WaitForOutputAsync(l => l.Contains("standard input -> standard output"), Wait, "the start line");

        var clock = Stopwatch.StartNew();
        bridge.Signal(Signals.SIGTERM);
        Assert.That(await bridge.WaitForExitAsync(Wait), Is.Zero);
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), bridge.Transcript());
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task A_signal_during_start_up_leaves_no_pid_file(bool onceThePidFileExists)
    {
        string pidFile = Path.Combine(_dir, "germqtt.pid");
        string config = IniFile.Write(new Dictionary<string, Dictionary<string, string>> { ["default"] = new() { ["pidfile"] = pidFile } },
            Path.Combine(_dir, "germqtt.ini"));
        await using var bridge = GermqttProcess.StartWithInput(["--stdin", "--dry-run", "--config", config]);
        // At once: before the runtime or germqtt could set anything up; or the moment the pid file is there.
        if (onceThePidFileExists) await Eventually.UntilAsync(() => File.Exists(pidFile), Wait, "the pid file", bridge.Transcript);
        bridge.Signal(Signals.SIGTERM);
        await bridge.WaitForExitAsync(Wait);
        Assert.That(File.Exists(pidFile), Is.False, bridge.Transcript());
    }

    private static long PeakRssKb(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
}
