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
    /// CLOCK_MONOTONIC_COARSE, a few milliseconds coarse.
    /// </summary>
    public const double TimerSlack = 0.010;

    /// <summary>Retries in milliseconds instead of seconds, so outage tests take seconds.</summary>
    public static void FastRetries(Dictionary<string, Dictionary<string, string>> s)
    {
        foreach (var side in new[] { "gerrit", "mqtt" })
        {
            s[side]["retry_initial"] = "0.05";
            s[side]["retry_max"] = "0.4";
            s[side]["connect_timeout"] = "2";
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

    [GeneratedRegex("\"seq\":(\\d+)")]
    private static partial Regex SequencePattern();

    [GeneratedRegex(@"^(?<at>\S+) \w+: (?<side>gerrit|mqtt) .*reconnect attempt (?<n>\d+) in (?<d>[\d.]+)s$")]
    private static partial Regex RetryPattern();
}
