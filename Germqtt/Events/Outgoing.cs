namespace Germqtt.Events;

/// <summary>An event on its way to the broker: where it goes and the exact bytes Gerrit sent.</summary>
public sealed record Outgoing(string Topic, byte[] Payload);
