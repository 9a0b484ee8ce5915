using Germqtt.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Germqtt.Tests.Daemon;

/// <summary>
/// The broker however the firehose exposes it: TLS, client certificates, websockets, secure
/// websockets, and a password file with an ACL (anonymous read-only, one publishing user).
/// </summary>
[NonParallelizable]
public class BrokerSecurityTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private const string Password = "pw-3f9a1c7e";
    private const string Passphrase = "pp-8d2b6e40";
    private TestCertificates _certs = null!;
    private TestGerrit _gerrit = null!;
    private Mosquitto _tlsBroker = null!;
    private Mosquitto _authBroker = null!;
    private readonly Dictionary<string, int> _ports = [];
    private string _encryptedKey = "";

    [OneTimeSetUp]
    public async Task StartDaemons()
    {
        _certs = await TestCertificates.CreateAsync();
        _gerrit = await TestGerrit.StartAsync();
        string[] names = ["tls", "mtls", "ws", "wss", "wrong"];
        foreach (var (name, port) in names.Zip(FreePort.Next(names.Length))) _ports[name] = port;
        _tlsBroker = await Mosquitto.StartAsync(
            $"listener {_ports["tls"]} 127.0.0.1\ncertfile {_certs.ServerCert}\nkeyfile {_certs.ServerKey}\n" +
            $"listener {_ports["mtls"]} 127.0.0.1\ncertfile {_certs.ServerCert}\nkeyfile {_certs.ServerKey}\ncafile {_certs.CaCert}\nrequire_certificate true\n" +
            $"listener {_ports["ws"]}\nprotocol websockets\n" +
            $"listener {_ports["wss"]}\nprotocol websockets\ncertfile {_certs.ServerCert}\nkeyfile {_certs.ServerKey}\n" +
            $"listener {_ports["wrong"]} 127.0.0.1\ncertfile {_certs.WrongHostCert}\nkeyfile {_certs.WrongHostKey}\n");

        string passwd = Path.Combine(_certs.Dir, "passwd"), acl = Path.Combine(_certs.Dir, "acl");
        await ProcessRunner.RunAsync("mosquitto_passwd", ["-c", "-b", passwd, "publisher", Password]);
        File.WriteAllText(acl, "topic read #\ntopic read $SYS/#\n\nuser publisher\ntopic readwrite allowed/#\n");
        _authBroker = await Mosquitto.StartAsync($"password_file {passwd}\nacl_file {acl}\n");

        _encryptedKey = Path.Combine(_gerrit.Dir, "id_encrypted");
        await ProcessRunner.RunAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", Passphrase, "-C", "", "-f", _encryptedKey]);
        File.AppendAllText(Path.Combine(_gerrit.Dir, "authorized_keys"), File.ReadAllText(_encryptedKey + ".pub"));
    }

    [OneTimeTearDown]
    public async Task StopDaemons()
    {
        await _gerrit.DisposeAsync();
        await _tlsBroker.DisposeAsync();
        await _authBroker.DisposeAsync();
        _certs.Dispose();
    }

    private async Task<GermqttProcess> DeliversAsync(Mosquitto broker, string topic,
        Action<Dictionary<string, string>> mqtt, params string[] extra)
    {
        await using var probe = await MqttProbe.StartAsync(broker, $"{topic}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        var bridge = await RunningBridge.StartAsync(_gerrit, IniFile.ForBridge(_gerrit, broker, topic, qos: 1, tweak: s => mqtt(s["mqtt"])), extra);
        try
        {
            _gerrit.Emit("""{"type":"change-merged","project":"secure"}""");
            await Eventually.UntilAsync(() => probe.Messages.Count >= 1, Wait, "the event at the subscriber",
                () => $"{bridge.Transcript()}\n{broker.Log()}");
            Assert.That(probe.Messages.Single().Topic, Is.EqualTo($"{topic}/secure/change-merged"));
            return bridge;
        }
        catch
        {
            // The caller owns the bridge only once it is returned; a failed check must not leave it running.
            await bridge.DisposeAsync();
            throw;
        }
    }

    [TestCase("tls", "tcp", false)]
    [TestCase("mtls", "tcp", true)]
    [TestCase("ws", "websockets", false)]
    [TestCase("wss", "websockets", false)]
    public async Task Events_arrive_over_each_way_the_broker_is_exposed(string listener, string transport, bool clientCertificate)
    {
        await using var bridge = await DeliversAsync(_tlsBroker, RunningBridge.UniqueTopic(), m =>
        {
            m["port"] = _ports[listener].ToString();
            m["transport"] = transport;
            if (listener == "ws") return;
            m["tls"] = "true";
            m["ca_certs"] = _certs.CaCert;
            if (!clientCertificate) return;
            m["certfile"] = _certs.ClientCert;
            m["keyfile"] = _certs.ClientKey;
        });
        Assert.That(bridge.StdErr, Has.None.Contains("reconnect attempt"));
    }

    [TestCase("tls", "tcp")]
    [TestCase("wss", "websockets")]
    public async Task A_broker_certificate_from_an_unknown_CA_is_refused(string listener, string transport)
    {
        await using var bridge = GermqttProcess.Start("--config", IniFile.ForBridge(_gerrit, _tlsBroker, tweak: s =>
        {
            Outage.FastRetries(s);
            (s["mqtt"]["port"], s["mqtt"]["transport"], s["mqtt"]["tls"]) = (_ports[listener].ToString(), transport, "true");
        }));
        await bridge.WaitForOutputAsync(l => l.Contains("mqtt ") && l.Contains("reconnect attempt 2"), Wait);
        Assert.That(bridge.StdErr, Has.None.Contains("mqtt 127.0.0.1").And.Contains("connected as"));
    }

    [Test]
    public async Task A_certificate_for_another_host_is_refused_unless_tls_insecure_is_set()
    {
        string topic = RunningBridge.UniqueTopic();
        void Wrong(Dictionary<string, string> m) =>
            (m["port"], m["tls"], m["ca_certs"]) = (_ports["wrong"].ToString(), "true", _certs.CaCert);
        await using (var refused = GermqttProcess.Start("--config", IniFile.ForBridge(_gerrit, _tlsBroker, topic, tweak: s =>
        {
            Outage.FastRetries(s);
            Wrong(s["mqtt"]);
        })))
        {
            string line = await refused.WaitForOutputAsync(l => l.Contains("reconnect attempt 2"), Wait);
            Assert.That(line, Does.Contain($"mqtt 127.0.0.1:{_ports["wrong"]}: connection failed"));
        }
        await using var insecure = await DeliversAsync(_tlsBroker, topic, m =>
        {
            Wrong(m);
            m["tls_insecure"] = "true";
        });
    }

    [Test]
    public async Task The_publishing_user_delivers_to_anonymous_readers()
    {
        await using var bridge = await DeliversAsync(_authBroker, "allowed", m =>
        {
            m["username"] = "publisher";
            m["password"] = Password;
        });
    }

    [Test]
    public async Task A_wrong_password_is_reported_with_the_brokers_reason_and_retried_with_backoff()
    {
        await using var bridge = GermqttProcess.Start("--config", IniFile.ForBridge(_gerrit, _authBroker, "allowed", tweak: s =>
        {
            Outage.FastRetries(s);
            (s["mqtt"]["username"], s["mqtt"]["password"]) = ("publisher", "not-the-password");
        }));
        await bridge.WaitForOutputAsync(l => l.Contains("reconnect attempt 3"), Wait);
        var refusals = bridge.StdErr.Where(l => l.Contains("reconnect attempt")).ToList();
        Assert.That(refusals, Has.All.Contains($"mqtt 127.0.0.1:{_authBroker.Port}: broker refused the connection").And.All.Contains("NotAuthorized"));
        Assert.That(string.Join("\n", bridge.Output), Does.Not.Contain("not-the-password"));
    }

    [Test]
    public async Task A_publish_the_ACL_denies_is_reported_under_MQTT_5()
    {
        await using var probe = await MqttProbe.StartAsync(_authBroker, "#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var bridge = await RunningBridge.StartAsync(_gerrit, IniFile.ForBridge(_gerrit, _authBroker, "denied", qos: 1, tweak: s =>
        {
            (s["mqtt"]["username"], s["mqtt"]["password"], s["mqtt"]["protocol"]) = ("publisher", Password, "5");
        }));
        _gerrit.Emit("""{"type":"comment-added","project":"p"}""");
        string warning = await bridge.WaitForOutputAsync(l => l.Contains("set aside the event for"), Wait);
        Assert.That(warning, Does.Contain("'denied/p/comment-added'").And.Contain("the broker answered NotAuthorized"));
        bridge.Signal(Signals.SIGTERM);
        await bridge.WaitForExitAsync(Wait);
        Assert.That(bridge.StdErr, Has.Some.Contains("rejected=1"));
        Assert.That(probe.Messages.Where(m => m.Topic.StartsWith("denied/", StringComparison.Ordinal)), Is.Empty);
    }

    [Test]
    public async Task No_secret_appears_in_any_output_at_debug_level_through_connect_failure_and_retry()
    {
        string passphraseFile = Path.Combine(_gerrit.Dir, "passphrase");
        File.WriteAllText(passphraseFile, Passphrase + "\n");
        void Secrets(Dictionary<string, Dictionary<string, string>> s, string password)
        {
            Outage.FastRetries(s);
            (s["gerrit"]["key"], s["gerrit"]["key_passphrase_file"]) = (_encryptedKey, passphraseFile);
            (s["mqtt"]["username"], s["mqtt"]["password"]) = ("publisher", password);
        }
        await using var probe = await MqttProbe.StartAsync(_authBroker, "allowed/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var working = await RunningBridge.StartAsync(_gerrit,
            IniFile.ForBridge(_gerrit, _authBroker, "allowed", qos: 1, tweak: s => Secrets(s, Password)), "--log-level", "debug");
        _gerrit.Emit("""{"type":"comment-added","project":"p"}""");
        await probe.WaitForCountAsync(1, Wait);
        await using var failing = GermqttProcess.Start("--log-level", "debug", "--config",
            IniFile.ForBridge(_gerrit, _authBroker, "allowed", tweak: s => Secrets(s, Password + "-wrong")));
        await failing.WaitForOutputAsync(l => l.Contains("reconnect attempt 3"), Wait);
        await using var check = GermqttProcess.Start("--check-config", "--log-level", "debug", "--config",
            IniFile.ForBridge(_gerrit, _authBroker, "allowed", tweak: s => { Secrets(s, Password); s["mqtt"]["qos"] = "9"; }));
        Assert.That(await check.WaitForExitAsync(Wait), Is.EqualTo(78));

        foreach (var process in new CapturedProcess[] { working, failing, check })
        {
            string all = string.Join("\n", process.Output);
            Assert.That(all, Does.Not.Contain(Password).And.Not.Contain(Passphrase), all);
        }
    }
}
