// The MQTT subscriber of scripts/bench: one connection for the whole bench, subscribed to '#'.
using System.Buffers;
using System.Diagnostics;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

/// <summary>One clock for the emitter and the subscriber: wall-clock nanoseconds advanced by the monotonic counter.</summary>
static class Clock
{
    static readonly long BaseTicks = Stopwatch.GetTimestamp();
    static readonly long BaseUnixNs = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
    static readonly double NsPerTick = 1e9 / Stopwatch.Frequency;

    public static long UnixNs() => BaseUnixNs + (long)((Stopwatch.GetTimestamp() - BaseTicks) * NsPerTick);
}

/// <summary>
/// Subscribes at QoS 0 whatever the subjects publish with: the broker-to-subscriber leg then adds no
/// acknowledgements of its own, so the subscriber measures the publishing side. The broker is set
/// up not to drop (max_queued_messages 0), so QoS 0 there loses nothing on loopback.
/// </summary>
sealed class Subscriber : IAsyncDisposable
{
    readonly IMqttClient _client;
    Reception? _current;
    long _outside;

    Subscriber(IMqttClient client) => _client = client;

    /// <summary>Messages that arrived while no run was listening (late stragglers of an earlier run).</summary>
    public long Outside => Interlocked.Read(ref _outside);

    public static async Task<Subscriber> ConnectAsync(int port)
    {
        var factory = new MqttClientFactory();
        var subscriber = new Subscriber(factory.CreateMqttClient());
        subscriber._client.ApplicationMessageReceivedAsync += e =>
        {
            // Timestamp first: everything after it is the subscriber's own cost.
            long at = Clock.UnixNs();
            var message = e.ApplicationMessage;
            if (Volatile.Read(ref subscriber._current) is { } reception) reception.Receive(message.Topic, message.Payload, at);
            else Interlocked.Increment(ref subscriber._outside);
            return Task.CompletedTask;
        };
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithClientId("bench-subscriber")
            .WithCleanSession(true)
            .WithKeepAlivePeriod(TimeSpan.FromMinutes(10))
            .Build();
        // MQTTnet fixes SO_RCVBUF/SO_SNDBUF at BufferSize (8 KB by default, which the kernel doubles)
        // and so turns off autotuning. A 16 KB receive buffer overflowed under load: the broker then
        // retransmitted on its 200 ms timer and the subscriber crawled at a few KB/s.
        ((MqttClientTcpOptions)options.ChannelOptions).BufferSize = 1 << 20;
        await subscriber._client.ConnectAsync(options);
        await subscriber._client.SubscribeAsync(factory.CreateSubscribeOptionsBuilder()
            .WithTopicFilter("#", MqttQualityOfServiceLevel.AtMostOnce).Build());
        return subscriber;
    }

    public void Listen(Reception? reception) => Volatile.Write(ref _current, reception);

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected) await _client.DisconnectAsync();
        _client.Dispose();
    }
}

/// <summary>Whether <paramref name="payload"/> is what event <paramref name="i"/> must arrive as.</summary>
delegate bool PayloadCheck(int i, ReadOnlySpan<byte> payload);

/// <summary>What one run received: per event its first receipt and latency, and every kind of error.</summary>
sealed class Reception(EventFeed feed, long seqBase, Func<int, string> expectedTopic, PayloadCheck? expectedPayload = null)
{
    readonly PayloadCheck _expectedPayload = expectedPayload ?? ((i, payload) => payload.SequenceEqual(feed.Line(i)));

    public readonly long[] FirstAt = new long[feed.Count];   // unix ns; 0 = not received
    public readonly long[] Latency = new long[feed.Count];   // ns from the emitter's write to receipt
    readonly int[] _times = new int[feed.Count];
    int _distinct, _latest = -1;
    public int Duplicates, WrongTopic, Mismatch, Strays, OutOfOrder;
    public string? FirstWrongTopic;
    public readonly Dictionary<string, int> Others = [];
    /// <summary>When the first message that is not a bench event arrived (germqtt's `online` status), unix ns.</summary>
    public long FirstOtherAt;

    public int Distinct => Volatile.Read(ref _distinct);

    /// <summary>Runs on MQTTnet's receive path: cheap checks only, nothing kept but numbers.</summary>
    public void Receive(string topic, ReadOnlySequence<byte> payload, long at)
    {
        ReadOnlySpan<byte> bytes = payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray();
        if (!EventFeed.TryReadSuffix(bytes, out long seq, out long emittedAt))
        {
            // Not a bench event: germqtt's own status documents, for one.
            lock (Others) Others[topic] = Others.GetValueOrDefault(topic) + 1;
            Interlocked.CompareExchange(ref FirstOtherAt, at, 0);
            return;
        }
        if (seq < seqBase || seq >= seqBase + feed.Count)
        {
            Interlocked.Increment(ref Strays);
            return;
        }
        int i = (int)(seq - seqBase);
        if (Interlocked.Increment(ref _times[i]) > 1)
        {
            Interlocked.Increment(ref Duplicates);
            return;
        }
        FirstAt[i] = at;
        Latency[i] = at - emittedAt;
        // MQTTnet hands messages over one at a time, in the order they arrived.
        if (i < _latest) Interlocked.Increment(ref OutOfOrder);
        else _latest = i;
        if (topic != expectedTopic(i))
        {
            Interlocked.Increment(ref WrongTopic);
            FirstWrongTopic ??= $"{topic} (expected {expectedTopic(i)})";
        }
        if (!_expectedPayload(i, bytes)) Interlocked.Increment(ref Mismatch);
        Interlocked.Increment(ref _distinct);
    }

    /// <summary>Events in [from, to) that never arrived.</summary>
    public int Missing(int from, int to)
    {
        int missing = 0;
        for (int i = from; i < to; i++) if (Volatile.Read(ref _times[i]) == 0) missing++;
        return missing;
    }

    /// <summary>Events per second from the first to the last receipt of [from, to).</summary>
    public double Throughput(int from, int to)
    {
        long first = long.MaxValue, last = 0;
        int got = 0;
        for (int i = from; i < to; i++)
        {
            if (FirstAt[i] == 0) continue;
            got++;
            first = Math.Min(first, FirstAt[i]);
            last = Math.Max(last, FirstAt[i]);
        }
        return got < 2 || last == first ? 0 : (got - 1) / ((last - first) / 1e9);
    }

    /// <summary>The q-quantile (0..1) of the latencies of [from, to), in milliseconds.</summary>
    public double LatencyMs(int from, int to, double q)
    {
        var values = new List<long>(to - from);
        for (int i = from; i < to; i++) if (FirstAt[i] != 0) values.Add(Latency[i]);
        if (values.Count == 0) return double.NaN;
        values.Sort();
        return values[Math.Min(values.Count - 1, (int)Math.Ceiling(q * values.Count) - 1)] / 1e6;
    }
}
