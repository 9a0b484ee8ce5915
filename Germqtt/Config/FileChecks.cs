using Renci.SshNet;

namespace Germqtt.Config;

/// <summary>The part of validation that looks at the disk: every file the options name must be usable.</summary>
internal static class FileChecks
{
    public static IEnumerable<ConfigError> Check(GermqttOptions o)
    {
        // An empty path was already reported as missing.
        if (o.Gerrit.Key.Length > 0 && KeyProblem(o.Gerrit.Key, o.Gerrit.KeyPassphrase) is { } key)
            yield return new("gerrit", "key", key, ConfigProblem.File);
        if (o.Gerrit.HostKeyFingerprint is null && !o.Gerrit.InsecureAnyHostKey && ReadableProblem(o.Gerrit.KnownHosts) is { } hosts)
            yield return new("gerrit", "known_hosts", $"{hosts}; add the Gerrit host key with " +
                                                     $"'ssh-keyscan -p {o.Gerrit.Port} {o.Gerrit.Hostname} >> {o.Gerrit.KnownHosts}' " +
                                                     "(then check it) or set [gerrit] host_key_fingerprint", ConfigProblem.File);
        if (o.Mqtt.Tls.CaCerts is { } ca && BrokerTls.CaProblem(ca) is { } caProblem)
            yield return new("mqtt", "ca_certs", caProblem, ConfigProblem.File);
        if (o.Mqtt.Tls is { CertFile: { } cert, KeyFile: { } certKey } && BrokerTls.ClientCertificateProblem(cert, certKey) is { } certProblem)
            yield return new("mqtt", "certfile", certProblem, ConfigProblem.File);
        if (o.Default.PidFile is { } pid && Path.GetDirectoryName(pid) is { } dir && !Directory.Exists(dir))
            yield return new("default", "pidfile", $"directory {dir} does not exist", ConfigProblem.File);
        if (o.Default.StateFile is { } state && StateDirectoryProblem(state) is { } stateProblem)
            yield return new("default", "state_file", stateProblem, ConfigProblem.File);
    }

    /// <summary>The state file is replaced by renaming a temporary file beside it: its directory must take new files.</summary>
    private static string? StateDirectoryProblem(string path)
    {
        string directory = Path.GetDirectoryName(path) is { Length: > 0 } d ? d : ".";
        if (!Directory.Exists(directory)) return $"directory {directory} does not exist";
        if (Directory.Exists(path)) return $"{path} is a directory";
        string probe = Path.Combine(directory, $".germqtt-probe-{Environment.ProcessId}");
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot write in {directory}: {e.Message.TrimEnd('.')}";
        }
    }

    internal static string? ReadableProblem(string path)
    {
        try
        {
            using var _ = File.OpenRead(path);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot read {path}: {e.Message.TrimEnd('.')}";
        }
    }

    private static string? KeyProblem(string path, string? passphrase)
    {
        if (ReadableProblem(path) is { } problem) return problem;
        try
        {
            using var _ = new PrivateKeyFile(path, passphrase);
            return null;
        }
        catch (Renci.SshNet.Common.SshPassPhraseNullOrEmptyException)
        {
            return $"{path} is encrypted; set [gerrit] key_passphrase, key_passphrase_file or ${Secrets.PassphraseVariable}";
        }
        catch (Exception e) when (passphrase is not null && e is Renci.SshNet.Common.SshException or System.Security.Cryptography.CryptographicException)
        {
            return $"{path} cannot be decrypted with the passphrase given (wrong passphrase?)";
        }
        catch (Exception e)
        {
            // The library's message says what is wrong with the key; it never contains key material.
            return $"{path} is not a usable private key: {e.Message}";
        }
    }
}
