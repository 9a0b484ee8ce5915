namespace Germqtt;

/// <summary>
/// Whether each side is connected right now, written by the two loops. Tells systemd: READY=1 the
/// first time both sides are up, and a STATUS= line whenever either side changes.
/// </summary>
public sealed class ConnectionStatus(SystemdNotifier notifier, string gerrit, string mqtt)
{
    private readonly Lock _gate = new();
    private bool _gerritUp, _mqttUp, _ready;

    public bool GerritUp { get { lock (_gate) return _gerritUp; } }
    public bool MqttUp { get { lock (_gate) return _mqttUp; } }

    public void SetGerrit(bool up) => Set(ref _gerritUp, up);
    public void SetMqtt(bool up) => Set(ref _mqttUp, up);

    private void Set(ref bool side, bool up)
    {
        string message;
        lock (_gate)
        {
            if (side == up) return;
            side = up;
            message = $"STATUS=gerrit {gerrit} {(_gerritUp ? "connected" : "reconnecting")}, mqtt {mqtt} {(_mqttUp ? "connected" : "reconnecting")}";
            if (_gerritUp && _mqttUp && !_ready)
            {
                _ready = true;
                message = "READY=1\n" + message;
            }
        }
        notifier.Notify(message);
    }
}
