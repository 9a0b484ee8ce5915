using System.Net;
using System.Net.Sockets;

namespace Germqtt.Tests.Fixtures;

internal static class FreePort
{
    /// <summary>
    /// A loopback port nobody listened on a moment ago. Another process may still take it
    /// before the caller binds, so starters retry with a fresh port when the bind fails.
    /// </summary>
    public static int Next()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }
}
