using System.Net.Sockets;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Germqtt.Gerrit;

/// <summary>Why a `gerrit stream-events` session ended, in Gerrit's own words where it gave any.</summary>
public static class StreamEnd
{
    // How long an ended command may take to report its exit status and error text.
    public static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(5);

    /// <summary>From the command's exit status and standard error, once its output has ended.</summary>
    public static async Task<ConnectionEnd> OfAsync(SshCommand command, Task execution, Task<string> stderr)
    {
        try
        {
            await execution.WaitAsync(SettleTime);
        }
        catch (TimeoutException)
        {
            return ConnectionEnd.Warning("event stream ended without an exit status");
        }
        catch (Exception e)
        {
            return Describe(e);
        }
        string text;
        try
        {
            text = (await stderr.WaitAsync(SettleTime)).Trim();
        }
        catch (TimeoutException)
        {
            text = "";
        }
        string status = command.ExitSignal is { } signal ? $"signal {signal}" : $"exit status {command.ExitStatus?.ToString() ?? "unknown"}";
        return text.Length > 0
            ? ConnectionEnd.Error($"`{GerritStream.Command}` failed ({status}): {text}")
            : ConnectionEnd.Warning($"event stream ended ({status})");
    }

    /// <summary>An SSH failure: errors need an operator (keys, accounts), warnings pass with a reconnect.</summary>
    public static ConnectionEnd Describe(Exception e) => e switch
    {
        HostKeyRejectedException => ConnectionEnd.Error(e.Message),
        SshAuthenticationException => ConnectionEnd.Error($"authentication failed: {e.Message}"),
        SocketException s => ConnectionEnd.Warning($"cannot connect: {s.Message}"),
        SshOperationTimeoutException => ConnectionEnd.Warning($"timed out: {e.Message}"),
        SshConnectionException => ConnectionEnd.Warning($"connection lost: {e.Message}"),
        _ => ConnectionEnd.Error($"{e.GetType().Name}: {e.Message}"),
    };
}
