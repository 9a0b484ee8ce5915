using System.Net;
using System.Net.Sockets;

namespace Germqtt.Tests.Fixtures;

internal static class FreePort
{
    /// <summary>
    /// A loopback port nobody listened on a moment ago. Another process may still take it
    /// before the caller binds, so starters retry with a fresh port when the bind fails.
    /// </summary>
    public static int Next() => Next(1)[0];

    /// <summary><paramref name="count"/> such ports, all different: each is held until all are picked.</summary>
    public static int[] Next(int count)
    {
        var listeners = new List<TcpListener>();
        try
        {
            for (int i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listeners.Add(listener);
                listener.Start();
            }
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners) listener.Stop();
        }
    }
}
