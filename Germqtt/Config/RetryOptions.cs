namespace Germqtt.Config;

/// <summary>Reconnect delays of one side: exponential with full jitter, capped.</summary>
/// <param name="Initial">The cap of the first delay.</param>
/// <param name="Max">The cap of every delay; a connection that stayed up this long resets the sequence.</param>
public sealed record RetryOptions(TimeSpan Initial, TimeSpan Max);
