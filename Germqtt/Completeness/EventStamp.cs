namespace Germqtt.Completeness;

/// <summary>
/// What places an event among the others: when Gerrit made it (eventCreatedOn, Unix seconds) and
/// what it is (<see cref="EventIdentity"/>, "hash@seconds"), so that the same event read from the
/// stream and from the events-log is known to be one.
/// </summary>
/// <param name="Approximate">The event had no eventCreatedOn: <see cref="CreatedOn"/> is when it arrived.</param>
public readonly record struct EventStamp(long CreatedOn, string Identity, bool Approximate = false)
{
    /// <summary>
    /// The identities the event is known by: its own, and for an approximate stamp also those of
    /// the seconds either side, since the events-log dates such an event when it stores it.
    /// </summary>
    public IEnumerable<string> Keys()
    {
        yield return Identity;
        if (!Approximate) yield break;
        string hash = Identity[..Identity.LastIndexOf('@')];
        yield return $"{hash}@{CreatedOn - 1}";
        yield return $"{hash}@{CreatedOn + 1}";
    }
}
