using System.Net;
using System.Net.Sockets;
using MQTTnet.Channel;

namespace Germqtt.Mqtt;

/// <summary>
/// The TCP connection to the broker, opened by germqtt so the publisher can cork it: while a run
/// of events is being written, TCP_CORK holds the bytes back and the kernel sends them in full
/// segments, instead of one segment (and one wake-up of the broker) per event.
/// </summary>
public sealed class BrokerSocket : IMqttClientStreamProvider
{
    // TCP_CORK (linux/tcp.h) at IPPROTO_TCP; its value is a C int.
    private const int IpProtoTcp = 6, TcpCork = 3;

    private Socket? _socket;

    public async Task<Stream> ConnectAsync(EndPoint brokerEndPoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(brokerEndPoint, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        _socket = socket;
        return new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>Holds back partial segments (true) or sends everything held now (false).</summary>
    public void Cork(bool on)
    {
        if (_socket is not { } socket) return;
        try
        {
            socket.SetRawSocketOption(IpProtoTcp, TcpCork, BitConverter.GetBytes(on ? 1 : 0));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // A closed connection: the publisher finds out from the connection itself.
        }
    }
}
