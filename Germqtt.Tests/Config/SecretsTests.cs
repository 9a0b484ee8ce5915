using System.Diagnostics;

namespace Germqtt.Tests.Config;

/// <summary>The password and the key passphrase: where they come from, and that they never show.</summary>
public class SecretsTests : ConfigTestBase
{
    [Test]
    public void Secrets_come_from_the_environment_then_a_file_then_the_key()
    {
        File.WriteAllText(Path.Combine(Dir, "pw"), "from-file\n");
        TestKeys.Generate(Path.Combine(Dir, "id"));
        File.WriteAllText(Path.Combine(Dir, "known_hosts"), "");
        string ini = Minimal.Replace("/keys/id", "id") + "\n[gerrit]\nknown_hosts = known_hosts\n[mqtt]\nusername = u\n";
        Assert.That(OptionsLoader.Load(Write(ini + "password = inline\n"), Dir, Dir, _ => null).Mqtt.Password, Is.EqualTo("inline"));
        Assert.That(OptionsLoader.Load(Write(ini + "password_file = pw\n"), Dir, Dir, _ => null).Mqtt.Password, Is.EqualTo("from-file"));
        Assert.That(OptionsLoader.Load(Write(ini + "password_file = pw\n"), Dir, Dir,
            v => v == "GERMQTT_MQTT_PASSWORD" ? "from-env" : null).Mqtt.Password, Is.EqualTo("from-env"));
    }

    [Test]
    public void A_secret_file_may_be_a_systemd_credential()
    {
        File.WriteAllText(Path.Combine(Dir, "mqtt_password"), "credential\n");
        var (o, errors) = Parse(With("mqtt", "username = u\npassword_file = $CREDENTIALS_DIRECTORY/mqtt_password"), "/h", "/w",
            v => v == "CREDENTIALS_DIRECTORY" ? Dir : null);
        Assert.That(errors, Is.Empty);
        Assert.That(o!.Mqtt.PasswordFile, Is.EqualTo(Path.Combine(Dir, "mqtt_password")));
        var (_, unset) = Parse(With("mqtt", "username = u\npassword_file = $CREDENTIALS_DIRECTORY/mqtt_password"));
        Assert.That(unset.Single(), Does.StartWith("[mqtt] password_file: uses $CREDENTIALS_DIRECTORY, which is not set"));
    }

    [Test]
    public void A_secret_given_twice_or_in_an_unreadable_file_is_an_error_that_does_not_show_it()
    {
        TestKeys.Generate(Path.Combine(Dir, "id"));
        File.WriteAllText(Path.Combine(Dir, "known_hosts"), "");
        var path = Write(Minimal.Replace("/keys/id", "id") + "\n[gerrit]\nknown_hosts = known_hosts\nkey_passphrase_file = nope\n" +
                         "[mqtt]\nusername = u\npassword = hunter2-inline\npassword_file = pw\n");
        var e = Assert.Throws<ConfigException>(() => OptionsLoader.Load(path, Dir, Dir, _ => null));
        Assert.That(e!.Errors, Has.Some.EqualTo("[mqtt] password_file: set either password or password_file, not both"));
        Assert.That(e.Errors, Has.Some.StartWith($"[gerrit] key_passphrase_file: cannot read {Dir}/nope"));
        Assert.That(string.Join("\n", e.Errors), Does.Not.Contain("hunter2"));
    }

    [Test]
    public void An_encrypted_key_needs_its_passphrase_and_a_wrong_one_is_named_as_such()
    {
        string key = Path.Combine(Dir, "id_enc");
        using (var p = Process.Start(new ProcessStartInfo("ssh-keygen", ["-q", "-t", "ed25519", "-N", "open sesame", "-f", key]))!) p.WaitForExit();
        File.WriteAllText(Path.Combine(Dir, "known_hosts"), "");
        string ini = Minimal.Replace("/keys/id", "id_enc") + "\n[gerrit]\nknown_hosts = known_hosts\n";

        var missing = Assert.Throws<ConfigException>(() => OptionsLoader.Load(Write(ini), Dir, Dir, _ => null));
        Assert.That(missing!.Errors.Single(), Does.StartWith($"[gerrit] key: {key} is encrypted; set [gerrit] key_passphrase"));
        var wrong = Assert.Throws<ConfigException>(() => OptionsLoader.Load(Write(ini + "key_passphrase = not it\n"), Dir, Dir, _ => null));
        Assert.That(wrong!.Errors.Single(), Is.EqualTo($"[gerrit] key: {key} cannot be decrypted with the passphrase given (wrong passphrase?)"));
        Assert.That(OptionsLoader.Load(Write(ini), Dir, Dir, v => v == "GERMQTT_KEY_PASSPHRASE" ? "open sesame" : null).Gerrit.KeyPassphrase,
            Is.EqualTo("open sesame"));
    }

    [Test]
    public void A_password_never_appears_in_an_error()
    {
        var (_, errors) = Parse(With("mqtt", "password = hunter2-secret"));
        Assert.That(errors, Is.EqualTo(new[] { "[mqtt] password: is set but [mqtt] username is not" }));
        Assert.That(string.Join("\n", errors), Does.Not.Contain("hunter2"));
    }

    [Test]
    public void Options_printed_whole_do_not_show_the_password()
    {
        var (o, _) = Parse(With("mqtt", "username = u\npassword = hunter2-secret"));
        Assert.That(o!.ToString(), Does.Not.Contain("hunter2"));
        Assert.That(o.Mqtt.Password, Is.EqualTo("hunter2-secret"));
    }
}
