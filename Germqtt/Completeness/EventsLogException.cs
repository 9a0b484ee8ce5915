namespace Germqtt.Completeness;

/// <summary>The events-log endpoint did not answer with events; the message says why, without credentials.</summary>
public sealed class EventsLogException(string message) : Exception(message);
