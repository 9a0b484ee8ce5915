using System.Diagnostics;

namespace Germqtt.Tests.Gerrit;

public class KnownHostsTests
{
    private string _dir = "";
    private byte[] _ed25519 = [];
    private byte[] _rsa = [];
    private string _ed25519Line = "";
    private string _rsaLine = "";

    [OneTimeSetUp]
    public void MakeKeys()
    {
        _dir = Directory.CreateTempSubdirectory("germqtt-knownhosts-").FullName;
        (_ed25519, _ed25519Line) = HostKey("ed25519");
        (_rsa, _rsaLine) = HostKey("rsa");
    }

    [OneTimeTearDown]
    public void RemoveKeys() => Directory.Delete(_dir, recursive: true);

    private (byte[] Blob, string TypeAndKey) HostKey(string type)
    {
        string path = Path.Combine(_dir, type);
        TestKeys.Generate(path, type);
        var fields = File.ReadAllText(path + ".pub").Split(' ');
        return (Convert.FromBase64String(fields[1]), $"{fields[0]} {fields[1]}");
    }

    private static KnownHosts Hosts(params string[] lines) => KnownHosts.Parse(lines);

    [Test]
    public void A_plain_entry_for_port_22_uses_the_bare_host_name()
    {
        var hosts = Hosts($"review.example.org,10.0.0.1 {_ed25519Line}");
        Assert.That(hosts.Trusts("review.example.org", 22, _ed25519), Is.True);
        Assert.That(hosts.Trusts("10.0.0.1", 22, _ed25519), Is.True);
        Assert.That(hosts.Trusts("review.example.org", 29418, _ed25519), Is.False);
    }

    [Test]
    public void Other_ports_are_listed_as_bracketed_host_and_port()
    {
        var hosts = Hosts($"[review.example.org]:29418 {_ed25519Line}");
        Assert.That(hosts.Trusts("review.example.org", 29418, _ed25519), Is.True);
        Assert.That(hosts.Trusts("review.example.org", 22, _ed25519), Is.False);
        Assert.That(hosts.Trusts("REVIEW.example.org", 29418, _ed25519), Is.True);
    }

    [Test]
    public void A_different_key_for_the_host_is_not_trusted() =>
        Assert.That(Hosts($"[h]:29418 {_ed25519Line}").Trusts("h", 29418, _rsa), Is.False);

    [Test]
    public void Several_key_types_for_one_host_each_match()
    {
        var hosts = Hosts($"[h]:29418 {_ed25519Line}", "# comment", "", $"[h]:29418 {_rsaLine} comment words");
        Assert.That(hosts.Trusts("h", 29418, _ed25519) && hosts.Trusts("h", 29418, _rsa), Is.True);
        Assert.That(hosts.KeyTypesFor("h", 29418), Is.EquivalentTo(new[] { "ssh-ed25519", "ssh-rsa" }));
    }

    [Test]
    public void Hashed_entries_written_by_ssh_keygen_match()
    {
        string file = Path.Combine(_dir, "hashed");
        File.WriteAllLines(file, [$"[127.0.0.1]:29418 {_ed25519Line}", $"review.example.org {_rsaLine}"]);
        Run("ssh-keygen", "-H", "-f", file);
        var hosts = KnownHosts.Load(file);
        Assert.That(File.ReadAllText(file), Does.StartWith("|1|"));
        Assert.That(hosts.Trusts("127.0.0.1", 29418, _ed25519), Is.True);
        Assert.That(hosts.Trusts("review.example.org", 22, _rsa), Is.True);
        Assert.That(hosts.Trusts("127.0.0.1", 29419, _ed25519), Is.False);
    }

    [Test]
    public void A_revoked_key_is_refused_even_when_also_listed() =>
        Assert.That(Hosts($"[h]:29418 {_ed25519Line}", $"@revoked * {_ed25519Line}").Trusts("h", 29418, _ed25519), Is.False);

    [Test]
    public void Fingerprints_match_what_ssh_keygen_prints()
    {
        string printed = Run("ssh-keygen", "-lf", Path.Combine(_dir, "ed25519.pub")).Split(' ')[1];
        Assert.That(KnownHosts.Fingerprint(_ed25519), Is.EqualTo(printed));
    }

    [Test]
    public void The_suggested_line_makes_the_key_trusted()
    {
        string line = KnownHosts.LineFor("127.0.0.1", 2222, _rsa);
        Assert.That(line, Does.StartWith("[127.0.0.1]:2222 ssh-rsa AAAA"));
        Assert.That(Hosts(line).Trusts("127.0.0.1", 2222, _rsa), Is.True);
    }

    private static string Run(string file, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.That(p.ExitCode, Is.Zero, $"{file} {string.Join(' ', args)}: {p.StandardError.ReadToEnd()}");
        return output;
    }
}
