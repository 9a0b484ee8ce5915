using Germqtt.Tests.Fixtures;

namespace Germqtt.Tests.Daemon;

/// <summary>germqtt --check: one line per side, OK or why not; exit 0 only when both are OK.</summary>
public class ConnectionCheckTests : DaemonTestBase
{
    private async Task<(int Exit, string[] Lines)> CheckAsync(Action<Dictionary<string, Dictionary<string, string>>>? tweak = null, Mosquitto? broker = null)
    {
        var result = await ProcessRunner.RunAsync(GermqttProcess.DotnetHost(),
            [GermqttProcess.DllPath, "--check", "--config", IniFile.ForBridge(Gerrit, broker ?? Broker, tweak: tweak)], check: false);
        return (result.ExitCode, result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Test]
    public async Task A_healthy_pair_is_OK_on_both_lines()
    {
        var (exit, lines) = await CheckAsync();
        Assert.That(lines, Is.EqualTo(new[]
        {
            $"gerrit {TestGerrit.Host}:{Gerrit.Port}: OK (gerrit version 3.10.1-test)",
            $"mqtt {Mosquitto.Host}:{Broker.Port}: OK",
        }));
        Assert.That(exit, Is.Zero);
    }

    [Test]
    public async Task With_http_url_the_events_log_is_checked_too_and_a_wrong_password_is_named_without_showing_it()
    {
        var (exit, lines) = await CheckAsync(s =>
        {
            s["gerrit"]["http_url"] = Gerrit.HttpUrl.AbsoluteUri;
            s["gerrit"]["http_password"] = Gerrit.HttpPassword;
        });
        string endpoint = Gerrit.EventsLog.Url().AbsoluteUri;
        Assert.That(lines, Has.Length.EqualTo(3));
        Assert.That(lines[1], Does.StartWith($"events-log {endpoint}: OK ("));
        Assert.That(exit, Is.Zero);

        (exit, lines) = await CheckAsync(s =>
        {
            s["gerrit"]["http_url"] = Gerrit.HttpUrl.AbsoluteUri;
            s["gerrit"]["http_password"] = "not-the-password";
        });
        Assert.That(lines[1], Is.EqualTo($"events-log {endpoint}: FAILED: HTTP 401 Unauthorized: Gerrit did not accept the HTTP credentials of " +
                                         $"'{TestGerrit.Username}' ([gerrit] http_username, http_password)"));
        Assert.That(string.Join("\n", lines), Does.Not.Contain("not-the-password"));
        Assert.That(exit, Is.EqualTo(69));
    }

    [Test]
    public async Task A_wrong_host_key_is_named()
    {
        string other = Path.Combine(Gerrit.Dir, $"other-{Guid.NewGuid():N}");
        TestKeys.Generate(other);
        string hosts = Path.Combine(Gerrit.Dir, $"hosts-{Guid.NewGuid():N}");
        File.WriteAllText(hosts, $"[127.0.0.1]:{Gerrit.Port} {File.ReadAllText(other + ".pub")}");
        var (exit, lines) = await CheckAsync(s => s["gerrit"]["known_hosts"] = hosts);
        Assert.That(lines[0], Does.StartWith($"gerrit {TestGerrit.Host}:{Gerrit.Port}: FAILED: host key ssh-ed25519 {Gerrit.HostFingerprint} is not trusted"));
        Assert.That(lines[1], Does.EndWith(": OK"));
        Assert.That(exit, Is.EqualTo(69));
    }

    [Test]
    public async Task A_key_Gerrit_refuses_is_named()
    {
        string other = Path.Combine(Gerrit.Dir, $"other-{Guid.NewGuid():N}");
        TestKeys.Generate(other);
        var (exit, lines) = await CheckAsync(s => s["gerrit"]["key"] = other);
        Assert.That(lines[0], Is.EqualTo($"gerrit {TestGerrit.Host}:{Gerrit.Port}: FAILED: authentication failed: Permission denied (publickey)."));
        Assert.That(exit, Is.EqualTo(69));
    }

    [Test]
    public async Task An_unreachable_broker_is_named()
    {
        int closed = FreePort.Next();
        var (exit, lines) = await CheckAsync(s => s["mqtt"]["port"] = closed.ToString());
        Assert.That(lines[0], Does.EndWith(": OK (gerrit version 3.10.1-test)"));
        Assert.That(lines[1], Does.StartWith($"mqtt 127.0.0.1:{closed}: FAILED: connection failed").And.Contain("refused"));
        Assert.That(exit, Is.EqualTo(69));
    }

    [Test]
    public async Task Bad_broker_credentials_are_named()
    {
        string dir = Directory.CreateTempSubdirectory("germqtt-check-").FullName;
        try
        {
            await ProcessRunner.RunAsync("mosquitto_passwd", ["-c", "-b", Path.Combine(dir, "passwd"), "publisher", "right"]);
            await using var broker = await Mosquitto.StartAsync($"password_file {Path.Combine(dir, "passwd")}\n");
            var (exit, lines) = await CheckAsync(s => (s["mqtt"]["username"], s["mqtt"]["password"]) = ("publisher", "wrong"), broker);
            Assert.That(lines[1], Is.EqualTo($"mqtt 127.0.0.1:{broker.Port}: FAILED: broker refused the connection: NotAuthorized"));
            Assert.That(exit, Is.EqualTo(69));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
