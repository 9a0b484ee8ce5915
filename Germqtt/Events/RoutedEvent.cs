namespace Germqtt.Events;

/// <summary>An event routed to its topic, with the exact bytes Gerrit sent as its payload.</summary>
public sealed record RoutedEvent(string Topic, byte[] Payload);
