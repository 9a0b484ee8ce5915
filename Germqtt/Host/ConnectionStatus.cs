namespace Germqtt.Host;

/// <summary>
/// Whether each side is connected right now, written by the two loops, and told to systemd as a
/// STATUS= line whenever either side changes. Readiness is not connectivity: READY=1 comes once the
/// configuration is loaded and both loops run (<see cref="Ready"/>), so that `systemctl start` and a
/// deploy return while Gerrit or the broker is down. A side this run does not use (--stdin,
/// --dry-run) is left out.
/// </summary>
public sealed class ConnectionStatus(SystemdNotifier notifier, string? gerrit, string? mqtt)
{
    private readonly Lock _gate = new();
    private Side _gerrit, _mqtt;

    private enum Side { Connecting, Connected, Reconnecting }

    public bool GerritUp { get { lock (_gate) return _gerrit == Side.Connected; } }
    public bool MqttUp { get { lock (_gate) return _mqtt == Side.Connected; } }

    public void SetGerrit(bool up) => Set(ref _gerrit, up);
    public void SetMqtt(bool up) => Set(ref _mqtt, up);

    /// <summary>Both loops run: the service is up, whatever the state of its connections.</summary>
    public void Ready()
    {
        string status;
        lock (_gate) status = Status();
        notifier.Notify("READY=1\n" + status);
    }

    private void Set(ref Side side, bool up)
    {
        string status;
        lock (_gate)
        {
            var next = up ? Side.Connected : side == Side.Connecting ? Side.Connecting : Side.Reconnecting;
            if (side == next) return;
            side = next;
            status = Status();
        }
        notifier.Notify(status);
    }

    private string Status()
    {
        var parts = new List<string>(2);
        if (gerrit is not null) parts.Add($"gerrit {gerrit} {Word(_gerrit)}");
        if (mqtt is not null) parts.Add($"mqtt {mqtt} {Word(_mqtt)}");
        return "STATUS=" + string.Join(", ", parts);
    }

    private static string Word(Side side) => side switch
    {
        Side.Connected => "connected",
        Side.Reconnecting => "reconnecting",
        _ => "connecting",
    };
}
