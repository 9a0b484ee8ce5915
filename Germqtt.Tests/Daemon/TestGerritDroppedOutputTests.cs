using System.Text.Json.Nodes;
using Germqtt.Tests.Fixtures;

namespace Germqtt.Tests.Daemon;

/// <summary>
/// The test Gerrit's lossy sessions lose events as Gerrit's do when a connection's queue overflows,
/// and end like tail does; for a plain OpenSSH client, no germqtt code involved.
/// </summary>
[TestFixture, NonParallelizable]
public sealed class TestGerritDroppedOutputTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private TestGerrit gerrit = null!;

    [OneTimeSetUp]
    public async Task StartGerrit()
    {
        gerrit = await TestGerrit.StartAsync();
        gerrit.MakeSessionsLossy();
    }

    [OneTimeTearDown]
    public async Task StopGerrit() => await gerrit.DisposeAsync();

    [TearDown]
    public async Task Reset()
    {
        gerrit.StopDroppingOutput();
        gerrit.KillSessions();
        await gerrit.WaitForStreamSessionsAsync(0, Deadline);
    }

    [Test]
    public async Task A_session_misses_the_dropped_events_the_log_keeps_and_says_dropped_output_before_its_next_line()
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string before = Event(now, "before"), lost1 = Event(now, "lost1"), lost2 = Event(now, "lost2"), after = Event(now, "after");
        await using var ssh = CapturedProcess.Start("ssh", gerrit.SshArguments("gerrit", "stream-events"));
        await gerrit.WaitForStreamSessionsAsync(1, Deadline);
        gerrit.Emit(before);
        await ssh.WaitForOutputAsync(l => l == before, Deadline, "the event before the drop");

        gerrit.StartDroppingOutput();
        gerrit.Emit(lost1);
        gerrit.Emit(lost2);
        gerrit.StopDroppingOutput();
        gerrit.Emit(after);

        await ssh.WaitForOutputAsync(l => l == after, Deadline, "the event after the drop");
        var emitted = await gerrit.EventsLog.EmittedEventsAsync();
        long then = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var notice = JsonNode.Parse(ssh.StdOut[1])!.AsObject();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ssh.StdOut, Has.Count.EqualTo(3), ssh.Transcript());
            Assert.That(ssh.StdOut[0], Is.EqualTo(before));
            Assert.That(ssh.StdOut[2], Is.EqualTo(after));
            Assert.That(notice.Select(m => m.Key), Is.EqualTo(new[] { "type", "eventCreatedOn" }), ssh.StdOut[1]);
            Assert.That(notice["type"]!.GetValue<string>(), Is.EqualTo("dropped-output"));
            Assert.That(notice["eventCreatedOn"]!.GetValue<long>(), Is.InRange(now, then));
            Assert.That(emitted.Where(e => e.Line == lost1 || e.Line == lost2).Select(e => e.IsLogged), Is.EqualTo(new[] { true, true }),
                "both lost events were made and stored");
        }
    }

    [Test]
    public async Task Every_session_loses_the_same_lines_however_late_it_reads_them()
    {
        await using var first = CapturedProcess.Start("ssh", gerrit.SshArguments("gerrit", "stream-events"));
        await using var second = CapturedProcess.Start("ssh", gerrit.SshArguments("gerrit", "stream-events"));
        await gerrit.WaitForStreamSessionsAsync(2, Deadline);
        var frozen = gerrit.FreezeSessions();

        gerrit.StartDroppingOutput();
        gerrit.Emit("""{"type":"lost"}""");
        gerrit.StopDroppingOutput();
        gerrit.Emit("""{"type":"kept"}""");
        gerrit.ThawSessions();

        Assert.That(frozen, Is.Not.Empty);
        foreach (var ssh in new[] { first, second })
        {
            await ssh.WaitForOutputAsync(l => l.Contains("kept"), Deadline, "the event after the drop");
            Assert.That(ssh.StdOut.Select(l => JsonNode.Parse(l)!["type"]!.GetValue<string>()), Is.EqualTo(new[] { "dropped-output", "kept" }),
                ssh.Transcript());
        }
    }

    [Test]
    public async Task A_session_ends_when_its_client_goes_and_when_its_sshd_dies()
    {
        var client = CapturedProcess.Start("ssh", gerrit.SshArguments("gerrit", "stream-events"));
        await gerrit.WaitForStreamSessionsAsync(1, Deadline);
        await client.DisposeAsync();
        await gerrit.WaitForStreamSessionsAsync(0, Deadline);

        await using var orphaned = CapturedProcess.Start("ssh", gerrit.SshArguments("gerrit", "stream-events"));
        await gerrit.WaitForStreamSessionsAsync(1, Deadline);
        int session = gerrit.LiveStreamSessions().Single();
        foreach (int sshd in Posix.Children(gerrit.ListenerPid)) Posix.Kill(sshd, Signals.SIGKILL);

        await Eventually.UntilAsync(() => !Posix.IsAlive(session), Deadline, "the orphaned session to end", gerrit.Describe);
    }

    private static string Event(long createdOn, string marker) =>
        $$"""{"change":{"project":"lossy","subject":"{{marker}}"},"project":"lossy","type":"comment-added","eventCreatedOn":{{createdOn}}}""";
}
