using Renci.SshNet;

namespace Germqtt.Gerrit;

/// <summary>`gerrit version` on a channel of its own: does Gerrit answer, and what does it say.</summary>
public static class VersionProbe
{
    public const string Command = "gerrit version";

    /// <summary>Whether it succeeded, and Gerrit's output (or its error text when it did not). Bounded by <paramref name="timeout"/>.</summary>
    public static async Task<(bool Ok, string Text)> RunAsync(SshClient client, TimeSpan timeout, CancellationToken cancel)
    {
        using var probe = client.CreateCommand(Command);
        probe.CommandTimeout = timeout;
        // The channel-open wait has its own timeout; WaitAsync bounds the whole exchange.
        await probe.ExecuteAsync(cancel).WaitAsync(timeout, cancel);
        return probe.ExitStatus == 0 ? (true, probe.Result.Trim()) : (false, probe.Error.Trim());
    }
}
