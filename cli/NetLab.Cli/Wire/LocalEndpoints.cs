using System.Net;
using System.Net.Sockets;
using NetLab.Wire;

namespace NetLab.Cli.Wire;

/// <summary>
/// The client's own view of its connections: the local address and port of each socket an exercise opened, recorded
/// where the lab's sockets connect (<see cref="Lab.Net"/>, <see cref="Lab.ConnectOnWriteStream"/>, the UDP exercise).
/// Set around one exercise (an async-local scope), so each exercise's ladders can show how a NAT rewrote them.
/// </summary>
internal static class LocalEndpoints
{
    private static readonly AsyncLocal<List<(WireProtocol Protocol, IPEndPoint Local)>?> Current = new();

    /// <summary>Starts recording for the calling flow; the list fills as sockets connect.</summary>
    public static List<(WireProtocol Protocol, IPEndPoint Local)> Begin() => Current.Value = [];

    /// <summary>Stops recording for the calling flow.</summary>
    public static void End() => Current.Value = null;

    /// <summary>Notes a connected (or, for UDP, sending) socket's local endpoint, when an exercise is recording.</summary>
    public static void Record(Socket socket)
    {
        if (Current.Value is not { } list || socket.LocalEndPoint is not IPEndPoint local)
        {
            return;
        }

        var protocol = socket.ProtocolType == ProtocolType.Udp ? WireProtocol.Udp : WireProtocol.Tcp;
        lock (list)
        {
            if (!list.Contains((protocol, local)))
            {
                list.Add((protocol, local));
            }
        }
    }
}
