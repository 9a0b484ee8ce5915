using System.Text;
using Germqtt.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Germqtt.Tests.Daemon;

/// <summary>The test Gerrit behaves like Gerrit for a plain OpenSSH client; no germqtt code involved.</summary>
[TestFixture, NonParallelizable]
public sealed class FixtureSmokeGerritTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private TestGerrit gerrit = null!;

    [OneTimeSetUp]
    public async Task StartGerrit() => gerrit = await TestGerrit.StartAsync();

    [OneTimeTearDown]
    public async Task StopGerrit() => await gerrit.DisposeAsync();

    [TearDown]
    public async Task Reset()
    {
        gerrit.Accept();
        gerrit.ThawSessions();
        gerrit.KillSessions();
        await gerrit.WaitForStreamSessionsAsync(0, Deadline);
    }

    [Test]
    public async Task StreamEvents_DeliversOnlyLinesAppendedAfterTheSessionStarted()
    {
        gerrit.Emit("""{"type":"before-the-session"}""");
        await using var ssh = Ssh("gerrit", "stream-events", "-s", "comment-added");
        await gerrit.WaitForStreamSessionsAsync(1, Deadline);

        gerrit.Emit("""{"type":"comment-added","n":1}""", """{"type":"comment-added","n":2}""");

        await ssh.WaitForOutputAsync(l => l.Contains("\"n\":2"), Deadline, "the second event");
        Assert.That(ssh.StdOut, Is.EqualTo(new[] { """{"type":"comment-added","n":1}""", """{"type":"comment-added","n":2}""" }),
            gerrit.Describe());
        Assert.That(gerrit.Commands(), Does.Contain("gerrit stream-events -s comment-added"));
    }

    [Test]
    public async Task StreamSessionsOf_TellsEachClientsSessionApart()
    {
        await using var first = Ssh("gerrit", "stream-events");
        await using var second = Ssh("gerrit", "stream-events");
        await gerrit.WaitForStreamSessionsAsync(2, Deadline);

        var mine = gerrit.StreamSessionsOf(first.Pid);
        var theirs = gerrit.StreamSessionsOf(second.Pid);
        Assert.That(mine, Has.Count.EqualTo(1), gerrit.Describe());
        Assert.That(theirs, Has.Count.EqualTo(1), gerrit.Describe());
        Assert.That(mine.Concat(theirs), Is.EquivalentTo(gerrit.LiveStreamSessions()));
        Assert.That(gerrit.StreamSessionsOf(gerrit.ListenerPid), Is.Empty, "sshd, the server side of every connection, is no client");
    }

    [Test]
    public async Task StreamEvents_WhenRefused_ExitsOneWithTheMessageOnStderr()
    {
        gerrit.Refuse();
        var refused = await RunSshAsync("gerrit", "stream-events");
        gerrit.Refuse("fatal: go away");
        var custom = await RunSshAsync("gerrit", "stream-events");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refused.ExitCode, Is.EqualTo(1));
            Assert.That(refused.StdErr, Is.EqualTo(TestGerrit.DefaultRefusal + "\n"));
            Assert.That(refused.StdOut, Is.Empty);
            Assert.That(custom.StdErr, Is.EqualTo("fatal: go away\n"));
            Assert.That(gerrit.LiveStreamSessions(), Is.Empty);
        }
    }

    [Test]
    public async Task OtherCommands_AnswerLikeGerrit()
    {
        var version = await RunSshAsync("gerrit", "version");
        var unknown = await RunSshAsync("gerrit", "ls-unicorns");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(version.ExitCode, Is.Zero, version.StdErr);
            Assert.That(version.StdOut, Is.EqualTo("gerrit version 3.10.1-test\n"));
            Assert.That(unknown.ExitCode, Is.EqualTo(1));
            Assert.That(unknown.StdErr, Is.EqualTo("fatal: gerrit: ls-unicorns: not found\n"));
            Assert.That(gerrit.Commands(), Does.Contain("gerrit version").And.Contain("gerrit ls-unicorns"));
        }
    }

    [Test]
    public async Task KillSessions_EndsTheClientAndTheStream()
    {
        await using var ssh = Ssh("gerrit", "stream-events");
        await gerrit.WaitForStreamSessionsAsync(1, Deadline);
        Assert.That(gerrit.SshdConnectionCount(), Is.EqualTo(1), gerrit.Describe());

        var killed = gerrit.KillSessions();

        Assert.That(killed, Is.Not.Empty);
        int exitCode = await ssh.WaitForExitAsync(Deadline);
        Assert.That(exitCode, Is.EqualTo(255), ssh.Transcript());   // ssh's code for a lost connection
        await gerrit.WaitForStreamSessionsAsync(0, Deadline);
        await Eventually.UntilAsync(() => gerrit.SshdConnectionCount() == 0, Deadline, "no sshd connections", gerrit.Describe);

        var version = await RunSshAsync("gerrit", "version");
        Assert.That(version.ExitCode, Is.Zero, "the listener survives KillSessions: " + version.StdErr);
    }

    [Test]
    public async Task StopAndRestart_RefuseThenServeTheSamePortAndHostKey()
    {
        int oldListener = gerrit.ListenerPid;

        await gerrit.StopAsync();
        var down = await RunSshAsync("gerrit", "version");
        await gerrit.RestartAsync();
        var up = await RunSshAsync("gerrit", "version");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(down.ExitCode, Is.EqualTo(255));
            Assert.That(down.StdErr, Does.Contain("Connection refused"));
            Assert.That(up.ExitCode, Is.Zero, "known_hosts still matches: " + up.StdErr);
            Assert.That(gerrit.ListenerPid, Is.Not.EqualTo(oldListener));
        }
    }

    [Test]
    public async Task FreezeSessions_HoldsEventsUntilThawed()
    {
        await using var ssh = Ssh("gerrit", "stream-events");
        await gerrit.WaitForStreamSessionsAsync(1, Deadline);

        var frozen = gerrit.FreezeSessions();
        gerrit.Emit("""{"type":"while-frozen"}""");
        Assert.That(frozen, Does.Contain(gerrit.LiveStreamSessions().Single()), "a stopped process still counts as live");
        gerrit.ThawSessions();

        await ssh.WaitForOutputAsync(l => l.Contains("while-frozen"), Deadline, "the event emitted while frozen");
    }

    [Test]
    public async Task EmitBytes_ReachesTheClientByteForByte()
    {
        byte[] raw = [.. "{\"type\":\"x\",\"s\":\"caf\u00e9 \\u0000\"}"u8, (byte)'\n'];
        await using var ssh = Ssh("gerrit", "stream-events");
        await gerrit.WaitForStreamSessionsAsync(1, Deadline);

        gerrit.EmitBytes(raw);

        string line = await ssh.WaitForOutputAsync(l => l.Contains("\"x\""), Deadline);
        Assert.That(Encoding.UTF8.GetBytes(line + "\n"), Is.EqualTo(raw));
    }

    [Test]
    public async Task IniFile_ForBridge_PointsAtBothFixtures()
    {
        await using var broker = await Mosquitto.StartAsync();

        string path = IniFile.ForBridge(gerrit, broker, topic: "t", qos: 1,
            tweak: s => s["default"]["pidfile"] = "/tmp/x.pid");

        Assert.That(File.ReadAllText(path), Is.EqualTo(
            "[default]\npidfile = /tmp/x.pid\n\n"
            + $"[gerrit]\nusername = {TestGerrit.Username}\nhostname = 127.0.0.1\nport = {gerrit.Port}\n"
            + $"key = {gerrit.KeyPath}\nknown_hosts = {gerrit.KnownHostsPath}\n\n"
            + $"[mqtt]\nhostname = 127.0.0.1\nport = {broker.Port}\ntopic = t\nqos = 1\n"));
    }

    private CapturedProcess Ssh(params string[] command) => CapturedProcess.Start("ssh", gerrit.SshArguments(command));

    private Task<ProcessResult> RunSshAsync(params string[] command) =>
        ProcessRunner.RunAsync("ssh", gerrit.SshArguments(command), Deadline, check: false);
}

/// <summary>The broker, the probe and the process helpers work on their own; no germqtt code involved.</summary>
[TestFixture, NonParallelizable]
public sealed class FixtureSmokeMqttTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private Mosquitto broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => broker = await Mosquitto.StartAsync();

    [OneTimeTearDown]
    public async Task StopBroker() => await broker.DisposeAsync();

    [Test]
    public async Task Probe_ReceivesWhatMosquittoPubSent_ByteForByte()
    {
        byte[] payload = [0x00, 0xFF, 0xC3, 0x28, (byte)'\n', (byte)'{', (byte)'}', 0x7F];
        string file = Path.Combine(broker.Dir, "payload.bin");
        await File.WriteAllBytesAsync(file, payload);
        await using var probe = await MqttProbe.StartAsync(Mosquitto.Host, broker.Port, "smoke/bytes/#");

        await PublishAsync("smoke/bytes/a", "-f", file, "-q", "1");

        await probe.WaitForCountAsync(1, Deadline);
        var got = probe.Messages.Single();
        Assert.That(got.Topic, Is.EqualTo("smoke/bytes/a"));
        Assert.That(got.Payload, Is.EqualTo(payload));
        Assert.That(got.Retain, Is.False);
    }

    [Test]
    public async Task Probe_SeesTheRetainFlagOfAStoredMessage()
    {
        await PublishAsync("smoke/retained", "-m", "kept", "-r", "-q", "1");
        await using var probe = await MqttProbe.StartAsync(Mosquitto.Host, broker.Port, "smoke/retained");

        await probe.WaitForCountAsync(1, Deadline);
        var got = probe.Messages.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(got.Topic, Is.EqualTo("smoke/retained"));
            Assert.That(got.Retain, Is.True);
            Assert.That(got.Text, Is.EqualTo("kept"));
        }
        await PublishAsync("smoke/retained", "-n", "-r");   // removes it again
    }

    [Test]
    public async Task Broker_KilledAndRestarted_ServesTheSamePortAgain()
    {
        await using var probe = await MqttProbe.StartAsync(Mosquitto.Host, broker.Port, "smoke/restart");
        int port = broker.Port, oldPid = broker.Pid;

        broker.Kill();
        await Eventually.UntilAsync(() => !probe.IsConnected, Deadline, "the probe to notice the broker is gone");
        await broker.RestartAsync();
        await probe.ReconnectAsync();
        await PublishAsync("smoke/restart", "-m", "after restart", "-q", "2");

        await probe.WaitForCountAsync(1, Deadline);
        Assert.That(probe.Messages.Single().Text, Is.EqualTo("after restart"));
        Assert.That(broker.Port, Is.EqualTo(port));
        Assert.That(broker.Pid, Is.Not.EqualTo(oldPid));
        Assert.That(broker.Log(), Does.Contain("mosquitto version"), "log_dest file works");
    }

    [Test]
    public async Task CapturedProcess_SeparatesStreamsAndReportsTheExitCode()
    {
        await using var p = CapturedProcess.Start("bash", ["-c", "echo out1; echo err1 >&2; echo out2; exit 3"]);

        int code = await p.WaitForExitAsync(Deadline);

        Assert.That(code, Is.EqualTo(3));
        Assert.That(p.StdOut, Is.EqualTo(new[] { "out1", "out2" }));
        Assert.That(p.StdErr, Is.EqualTo(new[] { "err1" }));
        Assert.That(p.Output, Has.Count.EqualTo(3));
    }

    [Test]
    public void GermqttBuildOutput_IsBesideTheTests()
    {
        Assert.That(GermqttProcess.DllPath, Does.Exist);
        Assert.That(Path.ChangeExtension(GermqttProcess.DllPath, ".runtimeconfig.json"), Does.Exist);
    }

    private Task<ProcessResult> PublishAsync(string topic, params string[] options) =>
        ProcessRunner.RunAsync("mosquitto_pub",
            ["-h", Mosquitto.Host, "-p", broker.Port.ToString(), "-V", "mqttv311", "-t", topic, .. options], Deadline);
}
