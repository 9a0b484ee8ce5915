using System.Text;

namespace Germqtt.Events;

/// <summary>
/// What happens to each line Gerrit sends, on the reader's thread: count it, parse what routing
/// needs, filter, redact, map to its topic, check the topic fits, and buffer it for the sink.
/// Nothing here waits: a line that cannot go on is counted and logged, never fatal.
/// </summary>
public sealed class EventPipeline(GermqttOptions options, Log log, Counters counters, EventBuffer buffer)
{
    private const int PreviewBytes = 200;

    private readonly EventFilter _filter = new(options.Filter);
    private readonly JsonRedactor _redactor = new(options.Filter.RedactFields);

    /// <summary>Splits a byte stream into the lines this pipeline takes, within [gerrit] max_event_size.</summary>
    public LineSplitter Lines() => new(options.Gerrit.MaxEventSize, OnLine, OnTooLong);

    public void OnLine(byte[] line)
    {
        counters.CountRead();
        if (!GerritEvent.TryParse(line, out var gerritEvent, out var problem))
        {
            counters.CountMalformed();
            log.Warning($"skipped a malformed event line ({problem}): {Preview(line)}");
            return;
        }
        if (gerritEvent!.Type == "dropped-output")
        {
            counters.CountDroppedOutput();
            log.Warning("gerrit reports dropped-output: its queue for this connection overflowed and events were lost");
        }
        if (!Passes(gerritEvent)) return;
        if (_redactor.IsEnabled)
        {
            byte[] redacted = _redactor.Redact(line);
            if (!ReferenceEquals(redacted, line)) counters.CountRedacted();
            line = redacted;
        }
        string topic = TopicMapper.Map(options.Mqtt.Topic, gerritEvent);
        if (!TopicMapper.FitsMqtt(topic))
        {
            counters.CountMalformed();
            log.Warning($"skipped a {gerritEvent.Type} event: its topic is longer than MQTT allows");
            return;
        }
        if (log.IsEnabled(LogLevel.Debug)) log.Debug($"event {gerritEvent.Type} -> {topic} ({line.Length} bytes)");
        buffer.Add(new RoutedEvent(topic, line));
    }

    /// <summary>A line longer than max_event_size: never held whole, so only its length is known.</summary>
    public void OnTooLong(long length)
    {
        counters.CountRead();
        counters.CountMalformed();
        log.Warning($"skipped an event line of {length} bytes: longer than [gerrit] max_event_size ({options.Gerrit.MaxEventSize} bytes)");
    }

    private bool Passes(GerritEvent gerritEvent)
    {
        switch (_filter.Decide(gerritEvent))
        {
            case Verdict.Private:
                counters.CountDroppedPrivate();
                log.Debug($"dropped a {gerritEvent.Type} event of a private change in {gerritEvent.Project}");
                return false;
            case Verdict.Filtered:
                counters.CountFiltered();
                if (log.IsEnabled(LogLevel.Debug)) log.Debug($"filtered a {gerritEvent.Type} event of {gerritEvent.Project} {gerritEvent.RefName}");
                return false;
            default:
                return true;
        }
    }

    private static string Preview(byte[] line)
    {
        string text = Encoding.UTF8.GetString(line, 0, Math.Min(line.Length, PreviewBytes));
        return line.Length > PreviewBytes ? text + "…" : text;
    }
}
