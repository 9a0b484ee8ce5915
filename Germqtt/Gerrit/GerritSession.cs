using Renci.SshNet;

namespace Germqtt.Gerrit;

/// <summary>An SSH client to Gerrit as configured: key (with passphrase), timeouts, keepalive, host-key check.</summary>
public sealed class GerritSession : IDisposable
{
    private readonly PrivateKeyFile _key;

    private GerritSession(PrivateKeyFile key, SshClient client)
    {
        _key = key;
        Client = client;
    }

    public SshClient Client { get; }

    public static GerritSession Create(GerritOptions options, Log log)
    {
        var key = new PrivateKeyFile(options.Key, options.KeyPassphrase);
        var info = new PrivateKeyConnectionInfo(options.Hostname, options.Port, options.Username, key)
        {
            Timeout = options.ConnectTimeout,
        };
        HostKeyCheck.OfferKnownTypes(options, info);
        var client = new SshClient(info);
        if (options.Keepalive > TimeSpan.Zero) client.KeepAliveInterval = options.Keepalive;
        client.HostKeyReceived += (_, e) => HostKeyCheck.Verify(options, e.HostKey, log);
        return new GerritSession(key, client);
    }

    public void Dispose()
    {
        Client.Dispose();
        _key.Dispose();
    }
}
