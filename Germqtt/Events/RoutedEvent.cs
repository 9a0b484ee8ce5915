namespace Germqtt.Events;

/// <summary>An event routed to its topic, with the exact bytes Gerrit sent as its payload.</summary>
/// <param name="Stamp">When Gerrit made it and what it is, where catch-up or the state file needs that.</param>
/// <param name="IsNotice">A document germqtt writes about itself (a gap notice), not a Gerrit event: at least QoS 1.</param>
/// <param name="FromSpool">Left undelivered by the last run and published first in this one.</param>
public sealed record RoutedEvent(string Topic, byte[] Payload, EventStamp? Stamp = null, bool IsNotice = false, bool FromSpool = false);
