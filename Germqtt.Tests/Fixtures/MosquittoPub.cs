using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;

namespace Germqtt.Tests.Fixtures;

/// <summary>mosquitto_pub, for publishing as a given user (or anonymously) in one call.</summary>
public static class MosquittoPub
{
    /// <summary>
    /// Publishes <paramref name="message"/> at QoS 1, so the broker has handled it (delivered or
    /// dropped by the ACL) before this returns. Anonymous when <paramref name="user"/> is null.
    /// </summary>
    public static Task<ProcessResult> PublishAsync(
        int port, string topic, string message, string? user = null, string? password = null,
        IEnumerable<string>? extra = null)
    {
        var args = new List<string> { "-h", "127.0.0.1", "-p", port.ToString(), "-q", "1", "-t", topic, "-m", message };
        if (user is not null) args.AddRange(["-u", user]);
        if (password is not null) args.AddRange(["-P", password]);
        args.AddRange(extra ?? []);
        return ProcessRunner.RunAsync(PuppetTools.Require("mosquitto_pub"), args, TimeSpan.FromSeconds(20), check: false);
    }
}
