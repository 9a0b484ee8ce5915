// The subscribers of `scripts/bench fanout`: N MQTTnet clients in one process, half over
// websockets and half over plain MQTT, each recording when every event reached it.
using System.Buffers;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

/// <summary>
/// N subscribers to <c>gerrit/#</c>, as a public firehose's consumers would be: MQTT 3.1.1, clean
/// sessions, QoS 0. Every even-numbered one connects over websockets, every odd one over TCP
/// (or all over one transport, for comparing them).
/// </summary>
sealed class Swarm(int tcpPort, int wsPort, int events, string name = "fanout", string transport = "both", bool raw = false) : IAsyncDisposable
{
    const int ConnectConcurrency = 32;
    readonly List<Member> _members = [];
    long _seqBase = long.MinValue / 2; // nothing counts before Expect

    public int Count => _members.Count;

    /// <summary>Events of this run carry seq numbers from here on; anything else (warm-up, status) is ignored.</summary>
    public void Expect(long seqBase)
    {
        Volatile.Write(ref _seqBase, seqBase);
        foreach (var m in _members) m.Reset();
    }

    public async Task ConnectAsync(int n, CancellationToken cancel)
    {
        var factory = new MqttClientFactory();
        using var gate = new SemaphoreSlim(ConnectConcurrency);
        var tasks = new List<Task>();
        for (int i = 0; i < n; i++)
        {
            var member = new Member(this, raw ? null : factory.CreateMqttClient(), websockets: transport == "websockets" || (transport == "both" && i % 2 == 0), events);
            _members.Add(member);
            await gate.WaitAsync(cancel);
            string clientId = $"{name}-{i}";
            tasks.Add(Task.Run(async () =>
            {
                try { await member.ConnectAsync(factory, tcpPort, wsPort, clientId, cancel); }
                finally { gate.Release(); }
            }, cancel));
        }
        await Task.WhenAll(tasks);
    }

    /// <summary>Distinct events of the run received, over all subscribers.</summary>
    public long Received => _members.Sum(m => (long)m.Distinct);

    public long Duplicates => _members.Sum(m => (long)m.Duplicates);

    public int Disconnected => _members.Count(m => !m.IsConnected);

    /// <summary>Every (subscriber, event) latency in nanoseconds, sorted.</summary>
    public long[] SortedLatencies()
    {
        var all = new long[Received];
        int at = 0;
        foreach (var m in _members)
            foreach (long l in m.Latency)
                if (l != 0) all[at++] = l - 1;
        Array.Sort(all, 0, at);
        return at == all.Length ? all : all[..at];
    }

    public async ValueTask DisposeAsync()
    {
        // No DISCONNECT packets: the broker is already stopped when the swarm goes.
        foreach (var m in _members) m.Dispose();
        _members.Clear();
        await Task.CompletedTask;
    }

    /// <summary>One subscriber: an MQTTnet client, or (when <paramref name="client"/> is null) a <see cref="RawSubscriber"/>.</summary>
    sealed class Member(Swarm swarm, IMqttClient? client, bool websockets, int events) : IDisposable
    {
        RawSubscriber? _raw;
        public bool IsConnected => client?.IsConnected ?? _raw?.IsConnected ?? false;
        public void Dispose() { client?.Dispose(); _raw?.Dispose(); }
        public readonly long[] Latency = new long[events]; // ns + 1; 0 = not received
        public int Distinct, Duplicates;

        public void Reset()
        {
            Array.Clear(Latency);
            Distinct = Duplicates = 0;
        }

        public async Task ConnectAsync(MqttClientFactory factory, int tcpPort, int wsPort, string clientId, CancellationToken cancel)
        {
            if (client is null)
            {
                for (int attempt = 1; ; attempt++)
                {
                    _raw?.Dispose();
                    _raw = new RawSubscriber(clientId, payload => Receive(payload, Clock.UnixNs()));
                    try
                    {
                        await _raw.ConnectAsync("127.0.0.1", websockets ? wsPort : tcpPort, websockets, cancel);
                        return;
                    }
                    catch (Exception) when (attempt < 5 && !cancel.IsCancellationRequested)
                    {
                        await Task.Delay(200 * attempt, cancel);
                    }
                }
            }
            client.ApplicationMessageReceivedAsync += e =>
            {
                long at = Clock.UnixNs();
                var payload = e.ApplicationMessage.Payload;
                Receive(payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray(), at);
                return Task.CompletedTask;
            };
            var builder = new MqttClientOptionsBuilder()
                .WithProtocolVersion(MqttProtocolVersion.V311)
                .WithClientId(clientId)
                .WithCleanSession(true)
                .WithKeepAlivePeriod(TimeSpan.FromMinutes(5))
                .WithTimeout(TimeSpan.FromSeconds(30));
            builder = websockets
                ? builder.WithWebSocketServer(o => o.WithUri($"ws://127.0.0.1:{wsPort}/mqtt"))
                : builder.WithTcpServer("127.0.0.1", tcpPort);
            var options = builder.Build();
            // MQTTnet pins SO_RCVBUF/SO_SNDBUF to BufferSize (8 KB), which turns off the kernel's
            // autotuning: a subscriber that falls a few events behind then closes its window and the
            // broker's sends crawl on retransmission timers. That would measure MQTTnet, not the broker.
            if (options.ChannelOptions is MqttClientTcpOptions tcp) tcp.BufferSize = 256 * 1024;
            // A burst of connects can overflow the listen backlog; a refused one simply tries again.
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    await client.ConnectAsync(options, cancel);
                    break;
                }
                catch (Exception) when (attempt < 5 && !cancel.IsCancellationRequested)
                {
                    await Task.Delay(200 * attempt, cancel);
                }
            }
            await client.SubscribeAsync(factory.CreateSubscribeOptionsBuilder()
                .WithTopicFilter("gerrit/#", MqttQualityOfServiceLevel.AtMostOnce).Build(), cancel);
        }

        /// <summary>On MQTTnet's receive path: read the suffix, note the latency, nothing more.</summary>
        void Receive(ReadOnlySpan<byte> bytes, long at)
        {
            if (!EventFeed.TryReadSuffix(bytes, out long seq, out long emittedAt)) return;
            long i = seq - Volatile.Read(ref swarm._seqBase);
            if (i < 0 || i >= Latency.Length) return;
            if (Latency[i] != 0) { Duplicates++; return; }
            Latency[i] = Math.Max(0, at - emittedAt) + 1;
            Distinct++;
        }
    }
}
