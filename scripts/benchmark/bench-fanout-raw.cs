// A minimal MQTT 3.1.1 subscriber for `scripts/bench fanout --client raw`: CONNECT, one
// SUBSCRIBE at QoS 0, then only PUBLISH packets are read. Over TCP or over websockets (the
// "mqtt" subprotocol). It costs the machine a fraction of a full client per message, so that
// thousands of subscribers on the broker's own two cores take less of the CPU the broker needs.
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

sealed class RawSubscriber(string clientId, Action<ReadOnlySpan<byte>> onPayload) : IDisposable
{
    Socket? _socket;
    ClientWebSocket? _ws;
    NetworkStream? _stream;
    readonly byte[] _buffer = new byte[64 * 1024];
    int _filled;

    public bool IsConnected { get; private set; }

    public async Task ConnectAsync(string host, int port, bool websockets, CancellationToken cancel)
    {
        if (websockets)
        {
            _ws = new ClientWebSocket();
            _ws.Options.AddSubProtocol("mqtt");
            await _ws.ConnectAsync(new Uri($"ws://{host}:{port}/mqtt"), cancel);
        }
        else
        {
            _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await _socket.ConnectAsync(host, port, cancel);
            _stream = new NetworkStream(_socket, ownsSocket: true);
        }
        await SendAsync(Connect(clientId), cancel);
        if (await NextPacketAsync(cancel) is not (0x20, _)) throw new InvalidOperationException($"{clientId}: no CONNACK");
        await SendAsync(Subscribe("gerrit/#"), cancel);
        if (await NextPacketAsync(cancel) is not (0x90, _)) throw new InvalidOperationException($"{clientId}: no SUBACK");
        IsConnected = true;
        _ = Task.Run(() => ReceiveLoopAsync(cancel), cancel);
    }

    async Task ReceiveLoopAsync(CancellationToken cancel)
    {
        try
        {
            while (!cancel.IsCancellationRequested)
            {
                var (type, body) = await NextPacketAsync(cancel);
                if ((type & 0xF0) != 0x30) continue;
                int topicLength = BinaryPrimitives.ReadUInt16BigEndian(body.Span);
                // QoS 0: no packet id after the topic.
                onPayload(body.Span[(2 + topicLength)..]);
            }
        }
        catch (Exception) { /* the broker went away: the run is over */ }
        IsConnected = false;
    }

    /// <summary>The next packet's first byte and body; the body stays valid until the next call.</summary>
    async Task<(byte Type, ReadOnlyMemory<byte> Body)> NextPacketAsync(CancellationToken cancel)
    {
        int consumed = _lastPacketLength;
        if (consumed > 0)
        {
            Buffer.BlockCopy(_buffer, consumed, _buffer, 0, _filled - consumed);
            _filled -= consumed;
            _lastPacketLength = 0;
        }
        while (true)
        {
            if (TryParse(out byte type, out int headerLength, out int bodyLength))
            {
                _lastPacketLength = headerLength + bodyLength;
                return (type, _buffer.AsMemory(headerLength, bodyLength));
            }
            if (_filled == _buffer.Length) throw new InvalidOperationException("packet larger than the buffer");
            int read = _ws is not null
                ? (await _ws.ReceiveAsync(_buffer.AsMemory(_filled), cancel)).Count
                : await _stream!.ReadAsync(_buffer.AsMemory(_filled), cancel);
            if (read == 0) throw new IOException("closed");
            _filled += read;
        }
    }

    int _lastPacketLength;

    bool TryParse(out byte type, out int headerLength, out int bodyLength)
    {
        type = 0;
        headerLength = bodyLength = 0;
        if (_filled < 2) return false;
        int multiplier = 1, at = 1;
        while (true)
        {
            if (at >= _filled) return false;
            byte b = _buffer[at++];
            bodyLength += (b & 0x7F) * multiplier;
            if ((b & 0x80) == 0) break;
            multiplier *= 128;
        }
        type = _buffer[0];
        headerLength = at;
        return _filled >= headerLength + bodyLength;
    }

    async Task SendAsync(byte[] packet, CancellationToken cancel)
    {
        if (_ws is not null) await _ws.SendAsync(packet, WebSocketMessageType.Binary, endOfMessage: true, cancel);
        else await _stream!.WriteAsync(packet, cancel);
    }

    /// <summary>Clean session, keepalive 0 (no PINGREQ needed while the run lasts).</summary>
    static byte[] Connect(string clientId)
    {
        byte[] id = Encoding.ASCII.GetBytes(clientId);
        var body = new List<byte> { 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 0x02, 0, 0, (byte)(id.Length >> 8), (byte)id.Length };
        body.AddRange(id);
        return [0x10, .. Length(body.Count), .. body];
    }

    static byte[] Subscribe(string filter)
    {
        byte[] topic = Encoding.ASCII.GetBytes(filter);
        var body = new List<byte> { 0, 1, (byte)(topic.Length >> 8), (byte)topic.Length };
        body.AddRange(topic);
        body.Add(0); // QoS 0
        return [0x82, .. Length(body.Count), .. body];
    }

    static byte[] Length(int n)
    {
        var bytes = new List<byte>();
        do
        {
            byte b = (byte)(n % 128);
            n /= 128;
            bytes.Add(n > 0 ? (byte)(b | 0x80) : b);
        } while (n > 0);
        return [.. bytes];
    }

    public void Dispose()
    {
        _ws?.Abort();
        _ws?.Dispose();
        _stream?.Dispose();
        _socket?.Dispose();
    }
}
