namespace Germqtt.Host;

/// <summary>How long the current connection has been up; zero until it is.</summary>
public sealed class ConnectionClock
{
    private long _started;

    public void Start() => _started = Environment.TickCount64;

    public TimeSpan Uptime => _started == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Environment.TickCount64 - _started);
}
