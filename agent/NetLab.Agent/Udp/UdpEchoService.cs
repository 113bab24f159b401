using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using NetLab.Agent.Hosting;

namespace NetLab.Agent.Udp;

/// <summary>
/// UDP on the agent's port: every datagram goes back to its sender unchanged (so <c>nc -u host 11211</c>
/// echoes lines, and netlab's probes, which carry a sequence number and timestamp, measure loss and RTT).
/// </summary>
public sealed class UdpEchoService(Socket socket, LabServices lab) : BackgroundService
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

            try
            {
                await socket.SendToAsync(buffer.AsMemory(0, received.ReceivedBytes), SocketFlags.None, received.RemoteEndPoint, stoppingToken);
            }
            catch (SocketException e)
            {
                Log.UdpError(lab.Logger, received.RemoteEndPoint, e.Message);
            }
        }
    }

    public override void Dispose()
    {
        socket.Dispose();
        base.Dispose();
    }
}
