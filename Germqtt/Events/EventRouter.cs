namespace Germqtt.Events;

/// <summary>
/// The second half of the pipeline, for events from the stream and from a catch-up alike: filter,
/// redact, map to the topic, check the topic fits, and buffer for the sink. Nothing here waits.
/// </summary>
public sealed class EventRouter(GermqttOptions options, Log log, Counters counters, EventBuffer buffer)
{
    private readonly EventFilter _filter = new(options.Filter);
    private readonly JsonRedactor _redactor = new(options.Filter.RedactFields);

    /// <summary>Buffers the event on its topic; false when it was filtered or skipped.</summary>
    public bool Route(GerritEvent gerritEvent, EventStamp? stamp = null)
    {
        if (!Passes(gerritEvent)) return false;
        byte[] line = gerritEvent.Line;
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
            return false;
        }
        if (log.IsEnabled(LogLevel.Debug)) log.Debug($"event {gerritEvent.Type} -> {topic} ({line.Length} bytes)");
        buffer.Add(new RoutedEvent(topic, line, stamp));
        return true;
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
}
