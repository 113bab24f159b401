using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using NetLab.Agent.Connections;
using NetLab.Agent.Hosting;

namespace NetLab.Agent.Udp;

/// <summary>
/// UDP on the agent's port: every datagram goes back to its sender unchanged (so <c>nc -u host 11211</c>
/// echoes lines, and netlab's probes, which carry a sequence number and timestamp, measure loss and RTT),
/// within the limits of <see cref="UdpLimiter"/> and the egress budget.
/// </summary>
internal sealed class UdpEchoService(Socket socket, LabServices lab) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(65_536, pinned: true);
        EndPoint any = socket.AddressFamily == AddressFamily.InterNetworkV6
            ? new IPEndPoint(IPAddress.IPv6Any, 0)
            : new IPEndPoint(IPAddress.Any, 0);
        while (!stoppingToken.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (SocketException)
            {
                continue; // an ICMP error from an earlier send; the socket is fine
            }

            var source = ConnectionExtensions.Normalize((IPEndPoint)received.RemoteEndPoint).Address;
            var datagram = buffer.AsMemory(0, received.ReceivedBytes);
            if (!lab.Udp.TryEcho(source))
            {
                continue;
            }

            if (!lab.Egress.TrySendDatagram(source, datagram.Length))
            {
                lab.Udp.CountDropped();
                continue;
            }

            if (IsLabDatagram(datagram.Span))
            {
                lab.Use.Record(source);
            }

            try
            {
                await socket.SendToAsync(datagram, SocketFlags.None, received.RemoteEndPoint, stoppingToken);
            }
            catch (SocketException e)
            {
                lab.ClientLog.ClientFailed(source, "UDP echo could not be sent", e);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>
    /// A netlab probe, or a line of text as <c>nc -u</c> sends what a person types: lab use. Binary datagrams
    /// (a memcached probe starts with an 8-byte frame header) are echoed within the limits but keep nothing alive.
    /// </summary>
    internal static bool IsLabDatagram(ReadOnlySpan<byte> datagram) =>
        datagram.StartsWith("netlab-udp "u8)
        || (datagram.Length > 1 && datagram[^1] == (byte)'\n' && !HasControl(datagram[..^1]));

    private static bool HasControl(ReadOnlySpan<byte> text)
    {
        foreach (var b in text)
        {
            if (b < 0x20 && b is not (byte)'\t' and not (byte)'\r')
            {
                return true;
            }
        }

        return false;
    }

    public override void Dispose()
    {
        socket.Dispose();
        base.Dispose();
    }
}
