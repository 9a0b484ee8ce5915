namespace Germqtt.Host;

/// <summary>
/// Reconnect delays: exponential with full jitter ("AWS full jitter"), capped. Attempt 1 waits up to
/// <see cref="RetryOptions.Initial"/>, each further attempt doubles the cap, never past <see cref="RetryOptions.Max"/>.
/// Full jitter keeps many bridges from hammering a recovering server in lockstep.
/// </summary>
public sealed class Backoff(RetryOptions options, Func<double> random)
{
    public Backoff(RetryOptions options) : this(options, Random.Shared.NextDouble) { }

    public int Attempt { get; private set; }

    /// <summary>Counts a failure and returns how long to wait before the next try.</summary>
    public TimeSpan Next()
    {
        Attempt++;
        double cap = Math.Min(options.Max.TotalSeconds, options.Initial.TotalSeconds * Math.Pow(2, Math.Min(Attempt - 1, 62)));
        // Never zero: a tight loop against a broken server is exactly what backoff is for.
        double floor = Math.Min(options.Initial.TotalSeconds, cap) / 10;
        return TimeSpan.FromSeconds(Math.Max(floor, cap * random()));
    }

    /// <summary>A connection that stayed healthy for the cap starts the sequence again.</summary>
    public void SucceededFor(TimeSpan uptime)
    {
        if (uptime >= options.Max) Attempt = 0;
    }
}
