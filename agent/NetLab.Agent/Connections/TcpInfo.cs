using System.Buffers.Binary;
using System.Net.Sockets;

namespace NetLab.Agent.Connections;

/// <summary>What the kernel knows of a TCP connection's path (Linux <c>TCP_INFO</c>): its round-trip time and retransmission timeout.</summary>
internal static class TcpInfo
{
    private const int TcpLevel = 6; // IPPROTO_TCP
    private const int TcpInfoOption = 11; // TCP_INFO
    private const int RtoOffset = 8; // tcpi_rto, microseconds
    private const int RttOffset = 68; // tcpi_rtt, microseconds

    /// <summary>Linux's smallest retransmission timeout (TCP_RTO_MIN): what the RTO is on loopback and a LAN.</summary>
    public static readonly TimeSpan MinRto = TimeSpan.FromMilliseconds(200);

    /// <summary>The connection's smoothed round-trip time and retransmission timeout; null where the kernel does not say (not Linux, not TCP).</summary>
    public static (TimeSpan Rtt, TimeSpan Rto)? Path(Socket? socket)
    {
        if (socket is null || !OperatingSystem.IsLinux())
        {
            return null;
        }

        Span<byte> info = stackalloc byte[104];
        try
        {
            var n = socket.GetRawSocketOption(TcpLevel, TcpInfoOption, info);
            if (n < RttOffset + 4)
            {
                return null;
            }
        }
        catch (SocketException)
        {
            return null;
        }

        return (TimeSpan.FromMicroseconds(BinaryPrimitives.ReadUInt32LittleEndian(info[RttOffset..])),
            TimeSpan.FromMicroseconds(BinaryPrimitives.ReadUInt32LittleEndian(info[RtoOffset..])));
    }
}
