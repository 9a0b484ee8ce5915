using System.Globalization;
using System.Text.RegularExpressions;

namespace Germqtt.Tests.Fixtures;

/// <summary>Helpers for tests that break the daemons on purpose.</summary>
public static partial class Outage
{
    /// <summary>
    /// Broker settings under which a crash loses only what the broker never acknowledged: sessions
    /// come back from the persistence file, queues are unbounded, and nothing waits in the broker's
    /// memory for an in-flight slot (max_inflight_messages 0 writes every message out at once).
    /// </summary>
    public static string PersistentBrokerConfig(string persistenceDir) =>
        "persistence true\n" +
        $"persistence_location {persistenceDir.TrimEnd('/')}/\n" +
        "autosave_interval 3600\n" +
        "max_queued_messages 0\n" +
        "max_inflight_messages 0\n";

    /// <summary>
    /// How early a .NET timer may fire by a precise clock: on Linux its tick count comes from
    /// CLOCK_MONOTONIC_COARSE, one kernel tick coarse (up to 10 ms at HZ=100), and the log's
    /// timestamps are whole milliseconds.
    /// </summary>
    public const double TimerSlack = 0.025;

    /// <summary>Retries in milliseconds instead of seconds, so outage tests take seconds.</summary>
    public static void FastRetries(Dictionary<string, Dictionary<string, string>> s)
    {
        foreach (var side in new[] { "gerrit", "mqtt" })
        {
            s[side]["retry_initial"] = "0.05";
            s[side]["retry_max"] = "0.4";
            // Generous: a cold germqtt's first SSH login (JIT, key exchange) on a loaded machine
            // must not time out and add a reconnect the test did not cause.
            s[side]["connect_timeout"] = "10";
        }
        s["mqtt"]["keepalive"] = "2";
        s["mqtt"]["publish_timeout"] = "3";
    }

    public static string Event(string topicProject, int sequence) =>
        $$"""{"type":"comment-added","project":"{{topicProject}}{{sequence}}","seq":{{sequence}}}""";

    public static int Sequence(Received message) =>
        int.Parse(SequencePattern().Match(message.Text).Groups[1].Value, CultureInfo.InvariantCulture);

    /// <summary>The "reconnect attempt N in Xs" lines of one side, with germqtt's own timestamps.</summary>
    public static List<(DateTimeOffset At, int Attempt, double DelaySeconds)> Retries(IEnumerable<string> log, string side) =>
        log.Select(l => RetryPattern().Match(l))
           .Where(m => m.Success && m.Groups["side"].Value == side)
           .Select(m => (DateTimeOffset.Parse(m.Groups["at"].Value, CultureInfo.InvariantCulture),
                         int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture),
                         double.Parse(m.Groups["d"].Value, CultureInfo.InvariantCulture)))
           .ToList();

    /// <summary>
    /// The topics of the QoS 1 publishes the broker's log (log_type all) shows it received from a
    /// germqtt client and acknowledged. Packet ids are reused, so each PUBACK is matched with the
    /// latest PUBLISH of that client and id before it.
    /// </summary>
    public static HashSet<string> AcknowledgedTopics(string brokerLog)
    {
        var pending = new Dictionary<(string Client, string Mid), string>();
        var acknowledged = new HashSet<string>(StringComparer.Ordinal);
        foreach (string line in brokerLog.Split('\n'))
        {
            var received = ReceivedPublishPattern().Match(line);
            if (received.Success)
            {
                pending[(received.Groups["client"].Value, received.Groups["mid"].Value)] = received.Groups["topic"].Value;
                continue;
            }
            var ack = SentPubackPattern().Match(line);
            if (ack.Success && pending.Remove((ack.Groups["client"].Value, ack.Groups["mid"].Value), out string? topic))
                acknowledged.Add(topic);
        }
        return acknowledged;
    }

    [GeneratedRegex(@": Received PUBLISH from (?<client>germqtt-\S+) \(d\d, q1, r\d, m(?<mid>\d+), '(?<topic>[^']*)'")]
    private static partial Regex ReceivedPublishPattern();

    [GeneratedRegex(@": Sending PUBACK to (?<client>germqtt-\S+) \(m(?<mid>\d+), rc0\)")]
    private static partial Regex SentPubackPattern();

    [GeneratedRegex("\"seq\":(\\d+)")]
    private static partial Regex SequencePattern();

    [GeneratedRegex(@"^(?<at>\S+) \w+: (?<side>gerrit|mqtt) .*reconnect attempt (?<n>\d+) in (?<d>[\d.]+)s$")]
    private static partial Regex RetryPattern();
}
