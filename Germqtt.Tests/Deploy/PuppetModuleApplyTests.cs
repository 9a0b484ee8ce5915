using System.Text.Json;
using System.Text.RegularExpressions;
using Germqtt.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Germqtt.Tests.Deploy;

/// <summary>
/// Both modules applied by `puppet apply` into a throwaway root, then the real daemons started
/// from the files Puppet wrote: mosquitto from its mosquitto.conf, password file and ACL, and
/// germqtt from its INI, SSH key and known_hosts, against a test Gerrit.
/// </summary>
[TestFixture, ToolBound, Category("Puppet"), Category("Slow")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public partial class PuppetModuleApplyTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private const string Publisher = "germqtt";
    private readonly string password = "pw-" + Guid.NewGuid().ToString("N");
    private readonly string topic = RunningBridge.UniqueTopic();
    private PuppetRoot root = null!;
    private TestGerrit gerrit = null!;
    private ConfiguredMosquitto? broker;
    private string manifest = null!;
    private ProcessResult? firstApply;
    private int mqttPort;
    private int websocketsPort;
    private int tlsPort;
    private int tlsWebsocketsPort;
    private string certificate = null!;

    private string StatusTopic => $"{topic}-status";
    private string ConfPath => root.P("/etc/mosquitto/mosquitto.conf");
    private string IniPath => root.P("/etc/germqtt.ini");
    private ConfiguredMosquitto Broker => broker ?? throw new InvalidOperationException("the broker did not start");

    [OneTimeSetUp]
    public async Task ApplyBothModulesAndStartTheBroker()
    {
        PuppetTools.Require("puppet");
        root = PuppetRoot.Create();
        gerrit = await TestGerrit.StartAsync();
        string key = Path.Combine(root.Dir, "server.key");
        certificate = Path.Combine(root.Dir, "server.crt");
        // A self-signed certificate for 127.0.0.1 that is its own CA.
        await ProcessRunner.RunAsync(PuppetTools.Require("openssl"),
        [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", key, "-out", certificate,
        ]);

        // A port that was free a moment ago can be taken before mosquitto binds it: then the
        // files are applied again with fresh ports.
        for (int attempt = 1; ; attempt++)
        {
            int[] ports = FreePort.Next(4);
            (mqttPort, websocketsPort, tlsPort, tlsWebsocketsPort) = (ports[0], ports[1], ports[2], ports[3]);
            manifest = WriteSiteManifest(key);
            // --debug on the run that writes every file: the worst case for a leaked password.
            var apply = await root.ApplyAsync(manifest, "--debug");
            firstApply ??= apply;
            if (apply.ExitCode != 2)
                Assert.Fail($"the first puppet apply should change files and exit 2\n{PuppetTools.Describe(apply)}");
            try
            {
                broker = await ConfiguredMosquitto.StartAsync(ConfPath, mqttPort, root.P("/var/log/mosquitto/mosquitto.log"));
                return;
            }
            catch (Exception e) when (attempt < 3 && e.Message.Contains("Address already in use"))
            {
                TestContext.Out.WriteLine($"port taken, applying again with fresh ports: {e.Message}");
            }
        }
    }

    [OneTimeTearDown]
    public async Task StopEverything()
    {
        if (broker is not null) await broker.DisposeAsync();
        if (gerrit is not null) await gerrit.DisposeAsync();
        root?.Dispose();
    }

    [Test]
    public async Task A_second_puppet_apply_changes_nothing_not_even_the_password_file()
    {
        var hashes = new[] { "/etc/mosquitto/passwd", "/etc/germqtt.ini", "/etc/germqtt/gerrit_key" }
            .ToDictionary(f => f, f => File.ReadAllText(root.P(f)));
        var second = await root.ApplyAsync(manifest);
        Assert.That(second.ExitCode, Is.Zero, () => "exit 0 means nothing changed\n" + PuppetTools.Describe(second));
        Assert.That(second.StdOut, Does.Not.Contain("changed").And.Not.Contain("created"), () => PuppetTools.Describe(second));
        foreach (var (file, before) in hashes) Assert.That(File.ReadAllText(root.P(file)), Is.EqualTo(before), file);
    }

    [Test]
    public void The_clear_passwords_are_in_no_debug_output_report_or_password_file()
    {
        var debug = firstApply!;
        Assert.That(debug.StdOut, Does.Contain("Debug: "), "the --debug run printed its debug output");
        Assert.That(debug.StdOut + debug.StdErr, Does.Not.Contain(password).And.Not.Contain(gerrit.HttpPassword));
        Assert.That(debug.StdOut, Does.Contain("[redacted]"), "the secret files' changes are reported redacted");
        var leaks = Directory.EnumerateFiles(root.PuppetStateDir, "*", SearchOption.AllDirectories)
            .Where(f => File.ReadAllText(f) is var text && (text.Contains(password) || text.Contains(gerrit.HttpPassword))).ToList();
        Assert.That(leaks, Is.Empty, "files of Puppet's own (reports, state) with the clear password");
        Assert.That(File.ReadAllText(root.P("/etc/mosquitto/passwd")), Does.Not.Contain(password)
            .And.Match($@"^{Publisher}:\$7\$101\$[A-Za-z0-9+/]{{16}}\$[A-Za-z0-9+/=]{{88}}\n"));
    }

    [Test]
    public void Files_get_the_owners_modes_and_content_the_daemons_need()
    {
        var expected = new Dictionary<string, UnixFileMode>
        {
            ["/etc/mosquitto/mosquitto.conf"] = (UnixFileMode)0b110_100_000,
            ["/etc/mosquitto/passwd"] = (UnixFileMode)0b110_100_000,
            ["/etc/mosquitto/acl"] = (UnixFileMode)0b110_100_000,
            ["/etc/mosquitto/certs/server.key"] = (UnixFileMode)0b110_100_000,
            ["/etc/mosquitto/certs/server.crt"] = (UnixFileMode)0b110_100_100,
            ["/etc/germqtt.ini"] = (UnixFileMode)0b110_100_000,
            ["/etc/germqtt/gerrit_key"] = (UnixFileMode)0b110_000_000,
            ["/etc/germqtt/known_hosts"] = (UnixFileMode)0b110_100_100,
            ["/usr/bin/germqtt"] = (UnixFileMode)0b111_101_101,
        };
        using (Assert.EnterMultipleScope())
        {
            foreach (var (file, mode) in expected)
                Assert.That(File.GetUnixFileMode(root.P(file)), Is.EqualTo(mode), file);
        }

        string hostKey = string.Join(' ', HostKeyLine().Split(' ')[1..3]);
        Assert.That(File.ReadAllText(root.P("/etc/germqtt/known_hosts")), Is.EqualTo($"[127.0.0.1]:{gerrit.Port} {hostKey}\n"));
        Assert.That(File.ReadAllText(root.P("/etc/germqtt/gerrit_key")), Is.EqualTo(File.ReadAllText(gerrit.KeyPath)));
        string acl = File.ReadAllText(root.P("/etc/mosquitto/acl"));
        Assert.That(acl, Does.Contain("topic read #\ntopic read $SYS/#\n").And.Contain($"user {Publisher}\ntopic readwrite {topic}/#\n"));
        Assert.That(File.ReadAllText(IniPath), Does.Contain($"state_file = {root.P("/var/lib/germqtt/state")}\n")
            .And.Contain($"http_url = {gerrit.HttpUrl}\n").And.Contain("events_log_timezone = UTC\n"));
        string conf = File.ReadAllText(ConfPath);
        Assert.That(conf, Does.Contain("per_listener_settings false\nallow_anonymous true\n").And.Not.Match("(?m)^pid_file"));
    }

    private string HostKeyLine() =>
        File.ReadAllLines(gerrit.KnownHostsPath).First(l => l.Split(' ') is [_, "ssh-ed25519", _, ..]);

    /// <summary>site.pp: both classes with every path below the throwaway root, no package, user or service.</summary>
    private string WriteSiteManifest(string tlsKey)
    {
        string Q(string s) => PuppetTools.Quote(s);
        string R(string path) => Q(root.P(path));
        string wrapper = PuppetTools.WriteGermqttWrapper(Path.Combine(root.Dir, "germqtt-wrapper"));
        string hostKey = string.Join(' ', HostKeyLine().Split(' ')[1..3]);
        string dirs = string.Join(", ", new[]
        {
            "/etc", "/etc/systemd", "/etc/systemd/system", "/usr", "/usr/bin",
            "/var", "/var/lib", "/var/lib/mosquitto", "/var/lib/germqtt", "/var/log", "/var/log/mosquitto", "/var/www",
        }.Select(R));

        string mosquitto = MosquittoManifest.Class(root, mqttPort, websocketsPort,
            "serve_page           => true,",
            $"page_dir             => {R("/var/www/mosquitto")},",
            $"tls_port             => {tlsPort},",
            $"tls_websockets_port  => {tlsWebsocketsPort},",
            $"tls_ca               => file({Q(certificate)}),",
            $"tls_cert             => file({Q(certificate)}),",
            $"tls_key              => Sensitive(file({Q(tlsKey)})),",
            $"tls_ca_path          => {R("/etc/mosquitto/certs/ca.crt")},",
            $"tls_cert_path        => {R("/etc/mosquitto/certs/server.crt")},",
            $"tls_key_path         => {R("/etc/mosquitto/certs/server.key")},",
            $"publishers           => {{ '{Publisher}' => {{ 'password' => Sensitive({Q(password)}), 'topics' => ['{topic}/#', '{StatusTopic}/#'] }} }},");
        string site = $$"""
            # Written by PuppetModuleApplyTests: both modules into a throwaway root.
            file { [{{dirs}}]:
              ensure => directory,
            }

            {{mosquitto}}

            class { 'germqtt':
              install_method             => 'file',
              binary_source              => {{Q(wrapper)}},
              binary_path                => {{R("/usr/bin/germqtt")}},
              manage_user                => false,
              manage_service             => false,
              user                       => 'root',
              group                      => 'root',
              config_file                => {{R("/etc/germqtt.ini")}},
              config_dir                 => {{R("/etc/germqtt")}},
              key_file                   => {{R("/etc/germqtt/gerrit_key")}},
              known_hosts_file           => {{R("/etc/germqtt/known_hosts")}},
              unit_file                  => {{R("/etc/systemd/system/germqtt.service")}},
              gerrit_username            => {{Q(TestGerrit.Username)}},
              gerrit_hostname            => '127.0.0.1',
              gerrit_port                => {{gerrit.Port}},
              gerrit_ssh_key             => Sensitive(file({{Q(gerrit.KeyPath)}})),
              gerrit_host_key            => {{Q(hostKey)}},
              gerrit_http_url            => {{Q(gerrit.HttpUrl.ToString())}},
              gerrit_http_username       => {{Q(gerrit.HttpUsername)}},
              gerrit_http_password       => Sensitive({{Q(gerrit.HttpPassword)}}),
              gerrit_events_log_timezone => 'UTC',
              state_file                 => {{R("/var/lib/germqtt/state")}},
              mqtt_hostname              => '127.0.0.1',
              mqtt_port                  => {{mqttPort}},
              mqtt_topic                 => '{{topic}}',
              mqtt_username              => '{{Publisher}}',
              mqtt_password              => Sensitive({{Q(password)}}),
              mqtt_qos                   => 1,
              mqtt_client_id             => 'germqtt-puppet-test',
              drain_timeout              => 2,
              stats_interval             => 0,
              mqtt_status_topic          => '{{StatusTopic}}',
              filter_exclude_refs        => ['refs/meta/*', 'refs/changes/*/meta'],
            }

            Class['mosquitto'] -> Class['germqtt']
            """;
        string path = Path.Combine(root.Dir, "site.pp");
        File.WriteAllText(path, site);
        return path;
    }
}
