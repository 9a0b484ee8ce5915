using Microsoft.Extensions.Configuration.Ini;
using MQTTnet.Protocol;

namespace Germqtt.Tests.Config;

public class OptionsLoaderTests : ConfigTestBase
{
    [Test]
    public void The_original_germqtt_sample_config_is_accepted_unchanged()
    {
        const string original = "[default]\npidfile = /var/run/germqtt.pid\n\n[gerrit]\nusername=treinish\nhostname=review.openstack.org\n" +
                                "key=/home/computertreker/.ssh/id_rsa\n\n[mqtt]\nhostname=localhost\ntopic=gerrit\n";
        var (o, errors) = Parse(original);
        Assert.That(errors, Is.Empty);
        Assert.That(o!.Default.PidFile, Is.EqualTo("/var/run/germqtt.pid"));
        Assert.That((o.Gerrit.Username, o.Gerrit.Hostname, o.Gerrit.Port, o.Gerrit.Key),
            Is.EqualTo(("treinish", "review.openstack.org", 29418, "/home/computertreker/.ssh/id_rsa")));
        Assert.That((o.Mqtt.Hostname, o.Mqtt.Port, o.Mqtt.Topic), Is.EqualTo(("localhost", 1883, "gerrit")));
    }

    [Test]
    public void Every_option_is_documented_in_the_sample_file_and_the_sample_is_accepted_with_all_of_them_set()
    {
        string sample = File.ReadAllText(Path.Combine(Fixtures.Repo.Root, "germqtt.ini.sample"));
        // Uncomment every "# key = default" line: the documented defaults must be valid values.
        // "## key = example" lines document keys without a default; they are only counted.
        string everything = System.Text.RegularExpressions.Regex.Replace(sample, @"(?m)^# ([a-z_]+ = )", "$1");
        var (o, errors) = Parse(everything);
        Assert.That(errors, Is.Empty);
        Assert.That(o, Is.Not.Null);

        var documented = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        string section = "";
        foreach (var line in everything.Split('\n'))
        {
            var m = System.Text.RegularExpressions.Regex.Match(line, @"^\[(\w+)\]|^(?:## )?([a-z_]+) = ");
            if (m.Groups[1].Success) section = m.Groups[1].Value;
            else if (m.Groups[2].Success) documented.Add($"{section}:{m.Groups[2].Value}");
        }
        Assert.That(documented, Is.EquivalentTo(OptionsLoader.Keys()));
    }

    [Test]
    public void Defaults_match_the_original_and_the_documentation()
    {
        var (o, errors) = Parse(Minimal);
        Assert.That(errors, Is.Empty);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(o!.Default.PidFile, Is.Null);
            Assert.That(o.Default.BufferSize, Is.EqualTo(60_000));
            Assert.That(o.Default.DrainTimeout, Is.EqualTo(TimeSpan.FromSeconds(10)));
            Assert.That(o.Default.StatsInterval, Is.EqualTo(TimeSpan.FromSeconds(60)));
            Assert.That(o.Gerrit.Port, Is.EqualTo(29418));
            Assert.That(o.Gerrit.KnownHosts, Is.EqualTo("/home/u/.ssh/known_hosts"));
            Assert.That(o.Gerrit.HostKeyFingerprint, Is.Null);
            Assert.That(o.Gerrit.ConnectTimeout, Is.EqualTo(TimeSpan.FromSeconds(30)));
            Assert.That(o.Gerrit.Keepalive, Is.EqualTo(TimeSpan.FromSeconds(30)));
            Assert.That(o.Gerrit.Retry, Is.EqualTo(new RetryOptions(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60))));
            Assert.That(o.Mqtt.Port, Is.EqualTo(1883));
            Assert.That(o.Mqtt.Topic, Is.EqualTo("gerrit"));
            Assert.That(o.Mqtt.Keepalive, Is.EqualTo(TimeSpan.FromSeconds(60)));
            Assert.That(o.Mqtt.Qos, Is.EqualTo(MqttQualityOfServiceLevel.AtMostOnce));
            Assert.That(o.Mqtt.Username, Is.Null);
            Assert.That(o.Mqtt.Password, Is.Null);
            Assert.That(o.Mqtt.ClientId, Is.EqualTo($"germqtt-{Environment.MachineName}"));
            Assert.That(o.Mqtt.MaxInflight, Is.EqualTo(20));
            Assert.That(o.Mqtt.PublishTimeout, Is.EqualTo(TimeSpan.FromSeconds(30)));
        }
    }

    [TestCase("mqtt", "qos = 3", "[mqtt] qos: must be a whole number from 0 to 2 (got '3')")]
    [TestCase("mqtt", "qos = two", "[mqtt] qos: must be a whole number from 0 to 2 (got 'two')")]
    [TestCase("mqtt", "port = 0", "[mqtt] port: must be a whole number from 1 to 65535 (got '0')")]
    [TestCase("mqtt", "port = 70000", "[mqtt] port: must be a whole number from 1 to 65535 (got '70000')")]
    [TestCase("gerrit", "port = abc", "[gerrit] port: must be a whole number from 1 to 65535 (got 'abc')")]
    [TestCase("mqtt", "keepalive = -1", "[mqtt] keepalive: must be a number of seconds from 0 to 65535 (got '-1')")]
    [TestCase("mqtt", "keepalive = soon", "[mqtt] keepalive: must be a number of seconds from 0 to 65535 (got 'soon')")]
    [TestCase("mqtt", "topic = gerrit/#", "[mqtt] topic: must not contain the MQTT wildcards + or # (got 'gerrit/#')")]
    [TestCase("mqtt", "topic = a/+/b", "[mqtt] topic: must not contain the MQTT wildcards + or # (got 'a/+/b')")]
    [TestCase("mqtt", "topic = gerrit/", "[mqtt] topic: must not end with '/', levels are added after it (got 'gerrit/')")]
    [TestCase("mqtt", "max_inflight = 0", "[mqtt] max_inflight: must be a whole number from 1 to 65535 (got '0')")]
    [TestCase("mqtt", "publish_timeout = 0", "[mqtt] publish_timeout: must be a number of seconds from 0.001 to 31536000 (got '0')")]
    [TestCase("mqtt", "retry_initial = 5\nretry_max = 2", "[mqtt] retry_max: must not be less than retry_initial (got 2 < 5)")]
    [TestCase("gerrit", "host_key_fingerprint = 12:34:56", "[gerrit] host_key_fingerprint: must be an OpenSSH SHA256 fingerprint like 'SHA256:…', as printed by ssh-keygen -lf (got '12:34:56')")]
    [TestCase("gerrit", "connect_timeout = 0", "[gerrit] connect_timeout: must be a number of seconds from 0.001 to 31536000 (got '0')")]
    [TestCase("gerrit", "hostnmae = typo.example.org", "[gerrit] hostnmae: unknown key")]
    public void A_bad_value_is_reported_with_its_section_key_and_rule(string section, string line, string message)
    {
        var (o, errors) = Parse(With(section, line));
        Assert.That(o, Is.Null);
        Assert.That(errors, Is.EqualTo(new[] { message }));
    }

    [TestCase("mqtt", "tls = maybe", "[mqtt] tls: must be true or false (got 'maybe')")]
    [TestCase("mqtt", "transport = quic", "[mqtt] transport: must be one of tcp, websockets (got 'quic')")]
    [TestCase("mqtt", "protocol = 4", "[mqtt] protocol: must be one of 3.1.1, 5 (got '4')")]
    [TestCase("mqtt", "websocket_path = mqtt", "[mqtt] websocket_path: must start with '/' and hold no spaces (got 'mqtt')")]
    [TestCase("mqtt", "ca_certs = /ca.pem", "[mqtt] tls: ca_certs, certfile, keyfile and tls_insecure need tls = true")]
    [TestCase("mqtt", "tls = yes\ncertfile = /c.pem", "[mqtt] certfile: certfile and keyfile go together (a client certificate needs its key)")]
    [TestCase("gerrit", "insecure_any_host_key = sure", "[gerrit] insecure_any_host_key: must be true or false (got 'sure')")]
    public void A_bad_transport_or_security_value_is_reported_with_its_key(string section, string line, string message) =>
        Assert.That(Parse(With(section, line)).Errors, Is.EqualTo(new[] { message }));

    [TestCase("", 1883, "firehose.example.org:1883")]
    [TestCase("tls = true", 8883, "firehose.example.org:8883")]
    [TestCase("transport = websockets", 80, "ws://firehose.example.org:80/mqtt")]
    [TestCase("transport = websockets\ntls = on\nwebsocket_path = /ws", 443, "wss://firehose.example.org:443/ws")]
    public void The_default_port_follows_the_transport_and_tls(string lines, int port, string endpoint)
    {
        var (o, errors) = Parse(With("mqtt", lines));
        Assert.That(errors, Is.Empty);
        Assert.That((o!.Mqtt.Port, o.Mqtt.Endpoint), Is.EqualTo((port, endpoint)));
    }

    [Test]
    public void A_bad_default_value_names_the_default_section()
    {
        var (_, errors) = Parse("[default]\nbuffer_size = 0\n" + Minimal);
        Assert.That(errors, Is.EqualTo(new[] { "[default] buffer_size: must be a whole number from 1 to 10000000 (got '0')" }));
    }

    [Test]
    public void Every_problem_is_reported_at_once()
    {
        var (_, errors) = Parse("stray = 1\n[mqtt]\nqos = 9\nport = x\n[extra]\nk = v\n");
        Assert.That(errors, Is.EquivalentTo(new[]
        {
            "[gerrit] hostname: is required",
            "[gerrit] username: is required",
            "[gerrit] key: is required",
            "[mqtt] hostname: is required",
            "[mqtt] port: must be a whole number from 1 to 65535 (got 'x')",
            "[mqtt] qos: must be a whole number from 0 to 2 (got '9')",
            "[extra] k: unknown key",
            "stray: is outside any [section]",
        }));
    }

    [Test]
    public void Keys_and_sections_are_case_insensitive()
    {
        var (o, errors) = Parse(Minimal + "\n[MQTT]\nQoS = 1\n");
        Assert.That(errors, Is.Empty);
        Assert.That(o!.Mqtt.Qos, Is.EqualTo(MqttQualityOfServiceLevel.AtLeastOnce));
    }

    [Test]
    public void Tilde_means_the_home_directory_and_relative_paths_start_at_the_working_directory()
    {
        var (o, _) = Parse(Minimal.Replace("key = /keys/id", "key = ~/.ssh/id_rsa\nknown_hosts = etc/known") + "\n[default]\npidfile = ~/germqtt.pid\n");
        Assert.That(o!.Gerrit.Key, Is.EqualTo("/home/u/.ssh/id_rsa"));
        Assert.That(o.Gerrit.KnownHosts, Is.EqualTo("/work/etc/known"));
        Assert.That(o.Default.PidFile, Is.EqualTo("/home/u/germqtt.pid"));
    }

    [Test]
    public void Loading_a_missing_file_says_so()
    {
        var e = Assert.Throws<ConfigException>(() => OptionsLoader.Load(Path.Combine(Dir, "nope.ini"), Dir, Dir));
        Assert.That(e!.Errors.Single(), Does.Contain("nope.ini: cannot read the configuration file"));
    }

    [Test]
    public void Loading_a_file_that_is_not_INI_says_which_line()
    {
        var path = Write("[gerrit\nusername = x\n");
        var e = Assert.Throws<ConfigException>(() => OptionsLoader.Load(path, Dir, Dir));
        Assert.That(e!.Errors.Single(), Does.Contain("not a valid INI file").And.Contain("[gerrit"));
    }

    [Test]
    public void Loading_checks_the_key_and_known_hosts_files()
    {
        var path = Write(Minimal.Replace("/keys/id", Path.Combine(Dir, "missing_key")) + $"\n[gerrit]\nknown_hosts = {Dir}/missing_hosts\n");
        var e = Assert.Throws<ConfigException>(() => OptionsLoader.Load(path, Dir, Dir));
        Assert.That(e!.Errors, Has.Count.EqualTo(2));
        Assert.That(e.Errors[0], Does.StartWith($"[gerrit] key: cannot read {Dir}/missing_key"));
        Assert.That(e.Errors[1], Does.StartWith($"[gerrit] known_hosts: cannot read {Dir}/missing_hosts")
            .And.Contain($"ssh-keyscan -p 29418 review.example.org >> {Dir}/missing_hosts"));
    }

    [Test]
    public void Bad_values_and_missing_files_are_reported_in_the_same_run()
    {
        var path = Write(Minimal.Replace("/keys/id", Path.Combine(Dir, "missing_key")) + $"\nqos = 7\n[gerrit]\nknown_hosts = {Dir}/none\n");
        var e = Assert.Throws<ConfigException>(() => OptionsLoader.Load(path, Dir, Dir));
        Assert.That(e!.Errors, Has.Count.EqualTo(3));
        Assert.That(e.Errors[0], Does.StartWith("[mqtt] qos:"));
        Assert.That(e.Errors[1], Does.StartWith("[gerrit] key: cannot read"));
        Assert.That(e.Errors[2], Does.StartWith("[gerrit] known_hosts: cannot read"));
    }

    [Test]
    public void A_file_that_is_not_a_private_key_is_named_in_the_error()
    {
        File.WriteAllText(Path.Combine(Dir, "id"), "this is not a key\n");
        File.WriteAllText(Path.Combine(Dir, "known_hosts"), "");
        var path = Write(Minimal.Replace("/keys/id", "id") + "\n[gerrit]\nknown_hosts = known_hosts\n");
        var e = Assert.Throws<ConfigException>(() => OptionsLoader.Load(path, Dir, Dir));
        Assert.That(e!.Errors.Single(), Does.StartWith($"[gerrit] key: {Dir}/id is not a usable private key"));
    }

    [Test]
    public void A_valid_file_with_a_real_key_loads()
    {
        TestKeys.Generate(Path.Combine(Dir, "id_ed25519"));
        File.WriteAllText(Path.Combine(Dir, "known_hosts"), "");
        var path = Write(Minimal.Replace("/keys/id", "~/id_ed25519") + "\n[gerrit]\nknown_hosts = ~/known_hosts\n");
        var o = OptionsLoader.Load(path, Dir, "/");
        Assert.That(o.Gerrit.Key, Is.EqualTo(Path.Combine(Dir, "id_ed25519")));
    }

    [Test]
    public void A_pinned_fingerprint_needs_no_known_hosts_file()
    {
        TestKeys.Generate(Path.Combine(Dir, "id_ed25519"));
        var path = Write(Minimal.Replace("/keys/id", "id_ed25519") +
                         $"\n[gerrit]\nknown_hosts = {Dir}/absent\nhost_key_fingerprint = SHA256:abc\n");
        Assert.That(OptionsLoader.Load(path, Dir, Dir).Gerrit.HostKeyFingerprint, Is.EqualTo("SHA256:abc"));
    }
}
