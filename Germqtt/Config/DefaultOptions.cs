namespace Germqtt.Config;

/// <summary>[default]: the process and the buffer between the two sides.</summary>
/// <param name="PidFile">Written at start and removed at exit; none when empty.</param>
/// <param name="BufferSize">Events held while the broker is away; the oldest go first when full.</param>
/// <param name="DrainTimeout">How long a stop may spend delivering what is buffered.</param>
/// <param name="StatsInterval">How often counters are logged; zero turns it off.</param>
/// <param name="StateFile">Where the last published event is remembered across restarts; none when null.</param>
public sealed record DefaultOptions(
    string? PidFile,
    int BufferSize,
    TimeSpan DrainTimeout,
    TimeSpan StatsInterval,
    string? StateFile = null)
{
    /// <summary>Events that could not be delivered at a stop wait here, beside the state file.</summary>
    public string? SpoolFile => StateFile is null ? null : StateFile + ".spool";
}
