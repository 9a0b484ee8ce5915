namespace Germqtt.Host;

/// <summary>What the bridge has done since it started; written by both loops, read by the stats.</summary>
public sealed class Counters
{
    private long _read, _published, _malformed, _filtered, _droppedPrivate, _redacted, _droppedOutput, _overflowed;
    private long _gerritReconnects, _mqttReconnects, _rejected, _lastEventAt, _gaps, _recovered, _duplicates;

    public long Read => Interlocked.Read(ref _read);
    public long Published => Interlocked.Read(ref _published);
    public long Malformed => Interlocked.Read(ref _malformed);
    public long Filtered => Interlocked.Read(ref _filtered);
    public long DroppedPrivate => Interlocked.Read(ref _droppedPrivate);
    public long Redacted => Interlocked.Read(ref _redacted);
    public long DroppedOutput => Interlocked.Read(ref _droppedOutput);
    public long Overflowed => Interlocked.Read(ref _overflowed);
    public long GerritReconnects => Interlocked.Read(ref _gerritReconnects);
    public long MqttReconnects => Interlocked.Read(ref _mqttReconnects);
    public long Rejected => Interlocked.Read(ref _rejected);
    public long Gaps => Interlocked.Read(ref _gaps);
    public long Recovered => Interlocked.Read(ref _recovered);
    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Seconds since Gerrit last sent a line; null before the first.</summary>
    public double? SecondsSinceLastEvent => Interlocked.Read(ref _lastEventAt) is var at and not 0
        ? (Environment.TickCount64 - at) / 1000.0
        : null;

    public void CountRead()
    {
        Interlocked.Increment(ref _read);
        Interlocked.Exchange(ref _lastEventAt, Environment.TickCount64);
    }

    public void CountPublished() => Interlocked.Increment(ref _published);
    public void CountMalformed() => Interlocked.Increment(ref _malformed);
    public void CountFiltered() => Interlocked.Increment(ref _filtered);
    public void CountDroppedPrivate() => Interlocked.Increment(ref _droppedPrivate);
    public void CountRedacted() => Interlocked.Increment(ref _redacted);
    public void CountDroppedOutput() => Interlocked.Increment(ref _droppedOutput);
    public void CountOverflowed() => Interlocked.Increment(ref _overflowed);
    public void CountGerritReconnect() => Interlocked.Increment(ref _gerritReconnects);
    public void CountMqttReconnect() => Interlocked.Increment(ref _mqttReconnects);
    public void CountRejected() => Interlocked.Increment(ref _rejected);
    public void CountGap() => Interlocked.Increment(ref _gaps);
    public void CountRecovered() => Interlocked.Increment(ref _recovered);
    public void CountDuplicate() => Interlocked.Increment(ref _duplicates);

    public string Summary(int bufferDepth) =>
        $"read={Read} published={Published} malformed={Malformed} dropped_output={DroppedOutput} " +
        $"overflowed={Overflowed} buffered={bufferDepth} gerrit_reconnects={GerritReconnects} mqtt_reconnects={MqttReconnects} " +
        $"rejected={Rejected} filtered={Filtered} dropped_private={DroppedPrivate} redacted={Redacted} " +
        $"gaps={Gaps} recovered={Recovered} duplicates={Duplicates}";
}
