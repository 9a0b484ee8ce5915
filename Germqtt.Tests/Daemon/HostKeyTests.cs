using Germqtt.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Germqtt.Tests.Daemon;

/// <summary>germqtt talks only to the Gerrit whose host key it knows.</summary>
public class HostKeyTests : DaemonTestBase
{
    private string HostsFile(params string[] lines)
    {
        string path = Path.Combine(Gerrit.Dir, $"known_hosts-{Guid.NewGuid():N}");
        File.WriteAllLines(path, lines);
        return path;
    }

    private IEnumerable<string> RealEntries(string type) =>
        File.ReadAllLines(Gerrit.KnownHostsPath).Where(l => l.Split(' ')[1] == type);

    private async Task ArrivesAsync(Action<Dictionary<string, Dictionary<string, string>>> tweak)
    {
        string topic = RunningBridge.UniqueTopic();
        await using var probe = await MqttProbe.StartAsync(Broker, $"{topic}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var bridge = await RunningBridge.StartAsync(Gerrit, IniFile.ForBridge(Gerrit, Broker, topic, tweak: tweak));
        Gerrit.Emit("""{"type":"comment-added","project":"trusted"}""");
        await probe.WaitForCountAsync(1, Wait);
    }

    private async Task<string> RefusedAsync(Action<Dictionary<string, Dictionary<string, string>>> tweak)
    {
        string topic = RunningBridge.UniqueTopic();
        await using var probe = await MqttProbe.StartAsync(Broker, $"{topic}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        int commands = Gerrit.Commands().Count;
        await using var bridge = GermqttProcess.Start("--config", IniFile.ForBridge(Gerrit, Broker, topic, tweak: s =>
        {
            Outage.FastRetries(s);
            tweak(s);
        }));
        string refusal = await bridge.WaitForOutputAsync(l => l.Contains("reconnect attempt 2"), Wait);
        Gerrit.Emit("""{"type":"comment-added","project":"forged"}""");
        Assert.That(Gerrit.Commands(), Has.Count.EqualTo(commands), "germqtt ran a command on an untrusted server");
        Assert.That(Gerrit.StreamSessionsOf(bridge.Pid), Is.Empty);
        Assert.That(probe.Messages, Is.Empty);
        return refusal;
    }

    [Test]
    public async Task A_known_host_key_connects() => await ArrivesAsync(_ => { });

    [Test]
    public async Task A_different_host_key_is_refused_showing_its_fingerprint_and_the_line_to_add()
    {
        string other = Path.Combine(Gerrit.Dir, $"other-{Guid.NewGuid():N}");
        TestKeys.Generate(other);
        string impostor = File.ReadAllText(other + ".pub").Trim();
        string hosts = HostsFile($"[127.0.0.1]:{Gerrit.Port} {impostor}");

        string refusal = await RefusedAsync(s => s["gerrit"]["known_hosts"] = hosts);
        Assert.That(refusal, Does.Contain($"error: gerrit 127.0.0.1:{Gerrit.Port}: host key ssh-ed25519 {Gerrit.HostFingerprint} is not trusted by {hosts}"));
        Assert.That(refusal, Does.Contain($"add this line: {RealEntries("ssh-ed25519").Single()}"));
    }

    [Test]
    public async Task Hashed_known_hosts_entries_work()
    {
        string hosts = HostsFile([.. File.ReadAllLines(Gerrit.KnownHostsPath)]);
        await ProcessRunner.RunAsync("ssh-keygen", ["-H", "-f", hosts]);
        Assert.That(File.ReadAllText(hosts), Does.StartWith("|1|").And.Not.Contain("127.0.0.1"));
        await ArrivesAsync(s => s["gerrit"]["known_hosts"] = hosts);
    }

    [Test]
    public async Task A_known_hosts_file_with_only_the_RSA_key_gets_the_RSA_key_offered() =>
        await ArrivesAsync(s => s["gerrit"]["known_hosts"] = HostsFile([.. RealEntries("ssh-rsa")]));

    [Test]
    public async Task A_revoked_key_is_refused()
    {
        var ed25519 = RealEntries("ssh-ed25519").Single().Split(' ');
        string hosts = HostsFile([.. File.ReadAllLines(Gerrit.KnownHostsPath), $"@revoked * {ed25519[1]} {ed25519[2]}"]);
        string refusal = await RefusedAsync(s => s["gerrit"]["known_hosts"] = hosts);
        Assert.That(refusal, Does.Contain("(missing, different or revoked)"));
    }

    [Test]
    public async Task A_pinned_fingerprint_connects_and_a_wrong_pin_is_refused()
    {
        await ArrivesAsync(s =>
        {
            s["gerrit"]["known_hosts"] = "/nonexistent";
            s["gerrit"]["host_key_fingerprint"] = Gerrit.HostFingerprint;
        });
        string refusal = await RefusedAsync(s => s["gerrit"]["host_key_fingerprint"] = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        Assert.That(refusal, Does.Contain($"host key ssh-ed25519 {Gerrit.HostFingerprint} does not match [gerrit] host_key_fingerprint SHA256:AAAA"));
    }

    [Test]
    public async Task Accepting_any_host_key_needs_an_explicit_setting_and_is_logged_loudly()
    {
        string topic = RunningBridge.UniqueTopic();
        await using var bridge = await RunningBridge.StartAsync(Gerrit, IniFile.ForBridge(Gerrit, Broker, topic, tweak: s =>
        {
            s["gerrit"]["known_hosts"] = HostsFile();
            s["gerrit"]["insecure_any_host_key"] = "true";
        }));
        await bridge.WaitForOutputAsync(l => l.Contains($"warning: gerrit 127.0.0.1:{Gerrit.Port}: accepting host key ssh-ed25519 {Gerrit.HostFingerprint} WITHOUT CHECKING it"), Wait);
    }
}
