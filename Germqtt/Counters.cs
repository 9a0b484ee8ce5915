namespace Germqtt;

/// <summary>What the bridge has done since it started; written by both loops, read by the stats line.</summary>
public sealed class Counters
{
    private long _read, _published, _malformed, _droppedOutput, _overflowed, _gerritReconnects, _mqttReconnects, _rejected;

    public long Read => Interlocked.Read(ref _read);
    public long Published => Interlocked.Read(ref _published);
    public long Malformed => Interlocked.Read(ref _malformed);
    public long DroppedOutput => Interlocked.Read(ref _droppedOutput);
    public long Overflowed => Interlocked.Read(ref _overflowed);
    public long GerritReconnects => Interlocked.Read(ref _gerritReconnects);
    public long MqttReconnects => Interlocked.Read(ref _mqttReconnects);
    public long Rejected => Interlocked.Read(ref _rejected);

    public void CountRead() => Interlocked.Increment(ref _read);
    public void CountPublished() => Interlocked.Increment(ref _published);
    public void CountMalformed() => Interlocked.Increment(ref _malformed);
    public void CountDroppedOutput() => Interlocked.Increment(ref _droppedOutput);
    public void CountOverflowed() => Interlocked.Increment(ref _overflowed);
    public void CountGerritReconnect() => Interlocked.Increment(ref _gerritReconnects);
    public void CountMqttReconnect() => Interlocked.Increment(ref _mqttReconnects);
    public void CountRejected() => Interlocked.Increment(ref _rejected);

    public string Summary(int bufferDepth) =>
        $"read={Read} published={Published} malformed={Malformed} dropped_output={DroppedOutput} " +
        $"overflowed={Overflowed} buffered={bufferDepth} gerrit_reconnects={GerritReconnects} mqtt_reconnects={MqttReconnects} rejected={Rejected}";
}
