namespace Germqtt.Mqtt;

/// <summary>
/// Keeps one event the broker will not take from holding back every event behind it. Mosquitto
/// answers some events (a topic it calls malformed, a packet over its size limit) by closing the
/// connection, and the publisher sends what was unacknowledged first again after a reconnect, so
/// the same event would end every session. Each session that ends with the first event in line
/// sent and unacknowledged is a strike against that event. Those events are sent again one at a
/// time (<see cref="PublishSession"/>), so from the second strike on the event was alone on the
/// connection and the strike is its own. After <see cref="Tries"/> strikes in a row it is set
/// aside. A broker that is down (no session), frozen (the acknowledgement timeout) or briefly
/// cut off (the event goes through on the next connection) never gets that far.
/// </summary>
internal sealed class HeadOfLine
{
    /// <summary>Sessions in a row that may end on one event before it is set aside.</summary>
    public const int Tries = 3;

    private RoutedEvent? _suspect;

    public int Strikes { get; private set; }

    /// <summary>A session ended with <paramref name="head"/> in flight; true when it has used up its tries.</summary>
    public bool Strike(RoutedEvent head)
    {
        // By reference: two events with the same topic and bytes are still two events.
        if (!ReferenceEquals(head, _suspect))
        {
            _suspect = head;
            Strikes = 0;
        }
        return ++Strikes >= Tries;
    }
}
