using System.Text.Json;

namespace Germqtt.Tests.Fixtures;

/// <summary>
/// What a catch-up test needs around the test Gerrit and the broker: a germqtt configuration with
/// the events-log on, and a reading of what a subscriber got against what Gerrit made: each
/// received payload is one emitted event (as the stream sent it, or as the log serialised it).
/// </summary>
public static class CatchUpScenario
{
    /// <summary>Bridge sections with fast retries, the events-log on and a state file in the test Gerrit's dir.</summary>
    public static string Config(TestGerrit gerrit, Mosquitto broker, string topic, bool eventsLog = true, bool stateFile = true,
        Action<Dictionary<string, Dictionary<string, string>>>? tweak = null) =>
        IniFile.ForBridge(gerrit, broker, topic, qos: 1, s =>
        {
            Outage.FastRetries(s);
            s["mqtt"]["client_id"] = topic;
            if (eventsLog)
            {
                s["gerrit"]["http_url"] = gerrit.HttpUrl.AbsoluteUri;
                s["gerrit"]["http_password"] = gerrit.HttpPassword;
            }
            if (stateFile) s["default"]["state_file"] = StatePath(gerrit, topic);
            tweak?.Invoke(s);
        });

    /// <summary>The state file <see cref="Config"/> names.</summary>
    public static string StatePath(TestGerrit gerrit, string topic) => Path.Combine(gerrit.Dir, $"state-{topic}");

    /// <summary>A state file as a run that left off at <paramref name="last"/> writes it.</summary>
    public static void WriteState(TestGerrit gerrit, string topic, long last) =>
        File.WriteAllText(StatePath(gerrit, topic), $$"""{"version":1,"last":{{last}},"identities":[]}""" + "\n");

    /// <summary>A comment event of <paramref name="project"/> made at <paramref name="createdOn"/>, numbered <paramref name="n"/>.</summary>
    public static string Event(string project, int n, long createdOn) =>
        $$"""{"type":"comment-added","project":"{{project}}","change":{"project":"{{project}}","number":{{n}}},"comment":"comment {{n}}","eventCreatedOn":{{createdOn}}}""";

    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>The events-log as a busy Gerrit's: pages cut at 25 events, events visible 1 s after they are made.</summary>
    public static void UseRealisticLog(TestGerrit gerrit)
    {
        gerrit.EventsLog.ResetSettings();
        gerrit.EventsLog.SetReturnLimit(25);
        gerrit.EventsLog.SetLag(TimeSpan.FromSeconds(1));
    }

    /// <summary>The status topic germqtt's gap notices go to under <see cref="Config"/>.</summary>
    public static string GapTopic(string topic) => $"germqtt/{topic}/status/gap";

    /// <summary>For each received event message, the index of the emitted event it is (-1: none).</summary>
    public static List<int> Indexes(IReadOnlyList<EmittedEvent> emitted, IEnumerable<Received> received)
    {
        var byText = new Dictionary<string, int>();
        for (int i = 0; i < emitted.Count; i++)
        {
            byText.TryAdd(emitted[i].Line, i);
            if (emitted[i].Logged is { } logged) byText.TryAdd(logged, i);
        }
        return received.Select(m => byText.GetValueOrDefault(m.Text, -1)).ToList();
    }

    /// <summary>One gap notice, read.</summary>
    public sealed record Notice(long From, long To, bool Complete, long Recovered, string Reason);

    public static Notice ReadNotice(Received message)
    {
        using var document = JsonDocument.Parse(message.Payload);
        var r = document.RootElement;
        return new Notice(r.GetProperty("from").GetInt64(), r.GetProperty("to").GetInt64(), r.GetProperty("complete").GetBoolean(),
            r.GetProperty("recovered").GetInt64(), r.GetProperty("reason").GetString()!);
    }

    public static string Describe(IReadOnlyList<EmittedEvent> emitted, List<int> indexes)
    {
        var counts = indexes.Where(i => i >= 0).GroupBy(i => i).ToDictionary(g => g.Key, g => g.Count());
        var missing = Enumerable.Range(0, emitted.Count).Where(i => !counts.ContainsKey(i)).ToList();
        var twice = counts.Where(c => c.Value > 1).Select(c => c.Key).ToList();
        return $"{emitted.Count} emitted, {indexes.Count} received, {indexes.Count(i => i < 0)} unknown; " +
               $"missing [{string.Join(",", missing.Take(30))}] (created {string.Join(",", missing.Take(30).Select(i => emitted[i].CreatedOn))}); " +
               $"twice [{string.Join(",", twice.Take(30))}]";
    }
}
