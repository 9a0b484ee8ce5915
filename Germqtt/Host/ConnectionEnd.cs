namespace Germqtt.Host;

/// <summary>Why a connection ended, and how loudly to say so: an error needs an operator, a warning may pass.</summary>
public sealed record ConnectionEnd(LogLevel Level, string Reason)
{
    public static ConnectionEnd Warning(string reason) => new(LogLevel.Warning, reason);
    public static ConnectionEnd Error(string reason) => new(LogLevel.Error, reason);
}
