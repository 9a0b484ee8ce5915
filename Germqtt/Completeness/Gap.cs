namespace Germqtt.Completeness;

/// <summary>
/// A stretch of Gerrit's events germqtt did not see: from the creation time of the last event it
/// handed on (or the moment the stream was lost, if none) to the creation time of the first event
/// seen again (or the moment it stopped waiting for one). Unix seconds, both ends inclusive.
/// </summary>
public sealed record Gap(long From, long To, string Reason);
