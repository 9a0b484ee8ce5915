using Renci.SshNet;

namespace Germqtt.Gerrit;

/// <summary>
/// Everything the account can read goes on a public bus; an administrator reads everything.
/// `gerrit show-connections` needs administrator-level rights, so its success says enough. Once
/// per process, on a channel beside the first stream: a diagnostic must not hold up the events.
/// </summary>
public sealed class AdministratorCheck(GerritOptions options, Log log)
{
    private const string Command = "gerrit show-connections";
    private bool _done;

    /// <summary>Warns when the account is an administrator; the first call only. Never throws.</summary>
    public async Task RunOnceAsync(SshClient client, CancellationToken sessionEnded)
    {
        if (_done) return;
        _done = true;
        try
        {
            using var probe = client.CreateCommand(Command);
            await probe.ExecuteAsync(sessionEnded).WaitAsync(options.ConnectTimeout, sessionEnded);
            if (probe.ExitStatus == 0)
                log.Warning($"gerrit {options.Endpoint}: account {options.Username} has administrator-level rights (`{Command}` works); " +
                            "everything it can read is published: use an account with only the Stream Events capability and read access to public projects");
        }
        catch (Exception e)
        {
            if (!sessionEnded.IsCancellationRequested) log.Debug($"gerrit {options.Endpoint}: privilege check skipped: {e.Message}");
        }
    }
}
