namespace Germqtt.Host;

/// <summary>What the command line changed about the data flow.</summary>
/// <param name="DryRun">--dry-run: events go to <paramref name="Output"/> as "topic TAB payload" lines, not to the broker.</param>
/// <param name="Input">--stdin: events are read from this stream instead of Gerrit.</param>
public sealed record BridgeMode(bool DryRun, Stream Output, Stream? Input);
