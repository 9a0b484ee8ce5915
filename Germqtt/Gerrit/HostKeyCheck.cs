using Renci.SshNet;

namespace Germqtt.Gerrit;

/// <summary>Decides whether the key a server presents is Gerrit's: a pinned fingerprint, or a known_hosts entry.</summary>
internal static class HostKeyCheck
{
    public static void Verify(GerritOptions o, byte[] hostKey, Log log)
    {
        string fingerprint = KnownHosts.Fingerprint(hostKey);
        string presented = $"{KnownHosts.KeyType(hostKey)} {fingerprint}";
        if (o.InsecureAnyHostKey)
        {
            log.Warning($"gerrit {o.Endpoint}: accepting host key {presented} WITHOUT CHECKING it ([gerrit] insecure_any_host_key); anyone on the path can feed forged events");
            return;
        }
        if (o.HostKeyFingerprint is { } pin)
        {
            if (pin != fingerprint)
                throw new HostKeyRejectedException(
                    $"host key {presented} does not match [gerrit] host_key_fingerprint {pin}");
            return;
        }
        if (!KnownHosts.Load(o.KnownHosts).Trusts(o.Hostname, o.Port, hostKey))
            throw new HostKeyRejectedException(
                $"host key {presented} is not trusted by {o.KnownHosts} (missing, different or revoked); " +
                $"if it is Gerrit's key, add this line: {KnownHosts.LineFor(o.Hostname, o.Port, hostKey)}");
    }

    /// <summary>
    /// SSH.NET asks for its favourite key type, not one we know; when known_hosts lists only some
    /// types for this host, offer only those so the server presents a key we can check.
    /// </summary>
    public static void OfferKnownTypes(GerritOptions o, ConnectionInfo info)
    {
        if (o.HostKeyFingerprint is not null || o.InsecureAnyHostKey) return;
        var types = KnownHosts.Load(o.KnownHosts).KeyTypesFor(o.Hostname, o.Port);
        if (types.Count == 0) return;
        var algorithms = types.SelectMany(AlgorithmsFor).ToHashSet();
        foreach (var name in info.HostKeyAlgorithms.Keys.Where(a => !algorithms.Contains(a)).ToList())
            info.HostKeyAlgorithms.Remove(name);
    }

    private static IEnumerable<string> AlgorithmsFor(string keyType) =>
        keyType == "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [keyType];
}
