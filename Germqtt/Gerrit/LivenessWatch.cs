using Renci.SshNet;

namespace Germqtt.Gerrit;

/// <summary>
/// SSH keepalives are one-way and cannot notice a frozen server, and Gerrit sends nothing on a
/// quiet day. After <see cref="GerritOptions.LivenessInterval"/> without a line, Gerrit is asked
/// for its version on a second channel; no answer within the connect timeout ends the session.
/// </summary>
public sealed class LivenessWatch(GerritOptions options, Log log)
{
    private long _lastActivity = Environment.TickCount64;

    /// <summary>A sign of life: the reader got data. Called from the reader's thread.</summary>
    public void Touch() => Volatile.Write(ref _lastActivity, Environment.TickCount64);

    private TimeSpan Quiet => TimeSpan.FromMilliseconds(Environment.TickCount64 - Volatile.Read(ref _lastActivity));

    /// <summary>Returns why the session should end, or null when it ended for another reason.</summary>
    public async Task<string?> WatchAsync(SshClient client, CancellationToken sessionEnded)
    {
        if (options.LivenessInterval <= TimeSpan.Zero)
        {
            await Cancelled.When(sessionEnded);
            return null;
        }
        try
        {
            while (true)
            {
                TimeSpan quiet = Quiet;
                if (quiet < options.LivenessInterval)
                {
                    await Task.Delay(options.LivenessInterval - quiet, sessionEnded);
                    continue;
                }
                if (!await AnswersAsync(client, sessionEnded))
                    return $"no event for {quiet.TotalSeconds:0.#}s and no answer to `{VersionProbe.Command}` within {options.ConnectTimeout.TotalSeconds:0.###}s";
                Touch();
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private async Task<bool> AnswersAsync(SshClient client, CancellationToken sessionEnded)
    {
        log.Debug($"gerrit {options.Endpoint}: stream quiet, probing with `{VersionProbe.Command}`");
        try
        {
            return (await VersionProbe.RunAsync(client, options.ConnectTimeout, sessionEnded)).Ok;
        }
        catch (Exception) when (!sessionEnded.IsCancellationRequested)
        {
            return false;
        }
    }
}
