namespace Germqtt.Completeness;

/// <summary>
/// What places an event among the others: when Gerrit made it (eventCreatedOn, Unix seconds) and
/// what it is (<see cref="EventIdentity"/>), so that the same event read from the stream and from
/// the events-log is known to be one.
/// </summary>
public readonly record struct EventStamp(long CreatedOn, string Identity);
