using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Germqtt.Gerrit;

/// <summary>
/// OpenSSH known_hosts matching, which SSH.NET lacks: plain and hashed (|1|salt|hmac) host fields,
/// comma lists, "[host]:port" for ports other than 22, several key types per host, @revoked.
/// Wildcard patterns and @cert-authority lines are not supported and never match.
/// </summary>
public sealed class KnownHosts
{
    private readonly List<Entry> _entries;

    private KnownHosts(List<Entry> entries) => _entries = entries;

    private sealed record Entry(string? Marker, string Hosts, string KeyType, string KeyBase64);

    public static KnownHosts Parse(IEnumerable<string> lines)
    {
        var entries = new List<Entry>();
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            string? marker = fields[0].StartsWith('@') ? fields[0] : null;
            if (marker is not null) fields = fields[1..];
            if (fields.Length >= 3) entries.Add(new Entry(marker, fields[0], fields[1], fields[2]));
        }
        return new KnownHosts(entries);
    }

    public static KnownHosts Load(string path) => Parse(File.ReadLines(path));

    /// <summary>The name OpenSSH files a server under.</summary>
    public static string HostName(string host, int port) => port == 22 ? host : $"[{host}]:{port}";

    /// <summary>True when the key is listed for the host and not revoked.</summary>
    public bool Trusts(string host, int port, byte[] hostKeyBlob)
    {
        string name = HostName(host, port);
        string blob = Convert.ToBase64String(hostKeyBlob);
        bool listed = false;
        foreach (var e in _entries)
        {
            if (e.KeyBase64 != blob) continue;
            // A revoked key is refused for every host, as OpenSSH does.
            if (e.Marker == "@revoked") return false;
            if (e.Marker is null && HostMatches(e.Hosts, name)) listed = true;
        }
        return listed;
    }

    /// <summary>Key types listed for the host, so the client can ask the server for one of those.</summary>
    public IReadOnlySet<string> KeyTypesFor(string host, int port)
    {
        string name = HostName(host, port);
        return _entries.Where(e => e.Marker is null && HostMatches(e.Hosts, name)).Select(e => e.KeyType).ToHashSet();
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350", Justification = "OpenSSH's hashed known_hosts format is HMAC-SHA1; nothing is protected by it here")]
    private static bool HostMatches(string field, string name)
    {
        if (field.StartsWith("|1|", StringComparison.Ordinal))
        {
            var parts = field.Split('|');
            if (parts.Length != 4) return false;
            try
            {
                using var hmac = new HMACSHA1(Convert.FromBase64String(parts[2]));
                return Convert.ToBase64String(hmac.ComputeHash(Encoding.ASCII.GetBytes(name))) == parts[3];
            }
            catch (FormatException)
            {
                return false;
            }
        }
        return field.Split(',').Any(h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>"SHA256:…" as ssh-keygen -l prints it.</summary>
    public static string Fingerprint(byte[] hostKeyBlob) =>
        "SHA256:" + Convert.ToBase64String(SHA256.HashData(hostKeyBlob)).TrimEnd('=');

    /// <summary>The key type named inside the SSH wire blob (e.g. ssh-ed25519, ssh-rsa).</summary>
    public static string KeyType(byte[] hostKeyBlob)
    {
        if (hostKeyBlob.Length < 4) return "unknown";
        int length = (int)BinaryPrimitives.ReadUInt32BigEndian(hostKeyBlob);
        return length > 0 && length <= hostKeyBlob.Length - 4 ? Encoding.ASCII.GetString(hostKeyBlob, 4, length) : "unknown";
    }

    /// <summary>The line that would make <see cref="Trusts"/> accept this key.</summary>
    public static string LineFor(string host, int port, byte[] hostKeyBlob) =>
        $"{HostName(host, port)} {KeyType(hostKeyBlob)} {Convert.ToBase64String(hostKeyBlob)}";
}
