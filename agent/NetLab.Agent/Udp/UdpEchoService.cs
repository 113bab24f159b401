using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using NetLab.Agent.Connections;
using NetLab.Agent.Internet;

namespace NetLab.Agent.Udp;

/// <summary>
/// UDP on the agent's port: every datagram goes back to its sender unchanged (so <c>nc -u host 11211</c>
/// echoes lines, and netlab's probes, which carry a sequence number and timestamp, measure loss and RTT),
/// within the limits of <see cref="UdpLimiter"/> and the egress budget.
/// </summary>
/// <param name="socket">The bound UDP socket (the lab port's number).</param>
/// <param name="limiter">Per-address datagram limits, and the counts /health reports.</param>
/// <param name="egress">The egress budget each echo is charged to.</param>
/// <param name="use">Lab use: a netlab probe or a typed line keeps the host alive.</param>
/// <param name="clientLog">Where a failed send is said once.</param>
internal sealed class UdpEchoService(Socket socket, UdpLimiter limiter, EgressBudget egress, LabUse use, ClientLog clientLog) : BackgroundService
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
            if (!limiter.TryEcho(source))
            {
                continue;
            }

            if (!egress.TrySendDatagram(source, datagram.Length))
            {
                limiter.CountDropped();
                continue;
            }

            if (IsLabDatagram(datagram.Span))
            {
                use.Record(source);
            }

            try
            {
                await socket.SendToAsync(datagram, SocketFlags.None, received.RemoteEndPoint, stoppingToken);
            }
            catch (SocketException e)
            {
                clientLog.ClientFailed(source, "UDP echo could not be sent", e);
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
