namespace Germqtt.Completeness;

/// <summary>A catch-up gave up: what it could not fetch is older than [gerrit] catch_up_max.</summary>
public sealed class CatchUpAbandonedException(string message) : Exception(message);
