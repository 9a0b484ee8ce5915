using Renci.SshNet;

namespace Germqtt;

/// <summary>The part of validation that looks at the disk: every file the options name must be usable.</summary>
internal static class FileChecks
{
    public static IEnumerable<string> Check(GermqttOptions o)
    {
        // An empty path was already reported as missing.
        if (o.Gerrit.Key.Length > 0 && KeyProblem(o.Gerrit.Key) is { } key)
            yield return $"[gerrit] key: {key}";
        if (o.Gerrit.HostKeyFingerprint is null && ReadableProblem(o.Gerrit.KnownHosts) is { } hosts)
            yield return $"[gerrit] known_hosts: {hosts}; add the Gerrit host key with " +
                         $"'ssh-keyscan -p {o.Gerrit.Port} {o.Gerrit.Hostname} >> {o.Gerrit.KnownHosts}' " +
                         "(then check it) or set [gerrit] host_key_fingerprint";
        if (o.Default.PidFile is { } pid && Path.GetDirectoryName(pid) is { } dir && !Directory.Exists(dir))
            yield return $"[default] pidfile: directory {dir} does not exist";
    }

    private static string? ReadableProblem(string path)
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

    private static string? KeyProblem(string path)
    {
        if (ReadableProblem(path) is { } problem) return problem;
        try
        {
            using var _ = new PrivateKeyFile(path);
            return null;
        }
        catch (Exception e)
        {
            // The library's message says what is wrong with the key; it never contains key material.
            return $"{path} is not a usable private key: {e.Message}";
        }
    }
}
