using System.Buffers.Binary;
using System.Net;
using System.Text;
using NetLab.Wire;

namespace NetLab.Testing;

/// <summary>Hand-made IPv4 packets for tests of what reads captures: a scripted conversation with known numbers.</summary>
public sealed class Packets(IPEndPoint client, IPEndPoint host, DateTime start)
{
    private readonly List<WirePacket> _packets = [];
    private uint _clientSeq = 1_000_000;
    private uint _hostSeq = 3_000_000_000; // wraps past 2^32 soon enough to test relative numbering

    /// <summary>The packets made so far, in order.</summary>
    public IReadOnlyList<WirePacket> All => _packets;

    /// <summary>A TCP segment; SYN and FIN count one in the sequence space, as they do on the wire.</summary>
    public Packets Tcp(double ms, bool fromClient, TcpControlBits flags, string payload = "", string? comment = null, bool advance = true)
    {
        var data = Encoding.ASCII.GetBytes(payload);
        ref var seq = ref fromClient ? ref _clientSeq : ref _hostSeq;
        var ack = fromClient ? _hostSeq : _clientSeq;
        var packet = Ipv4(fromClient, 6, 20 + data.Length);
        var t = packet.AsSpan(20);
        BinaryPrimitives.WriteUInt32BigEndian(t[4..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(t[8..], (flags & TcpControlBits.Ack) != 0 ? ack : 0);
        t[12] = 5 << 4;
        t[13] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(t[14..], 64_240);
        data.CopyTo(t[20..]);
        if (advance)
        {
            seq += (uint)data.Length + ((flags & (TcpControlBits.Syn | TcpControlBits.Fin)) != 0 ? 1u : 0);
        }

        return Add(ms, packet, comment);
    }

    /// <summary>A UDP datagram.</summary>
    public Packets Udp(double ms, bool fromClient, string payload)
    {
        var data = Encoding.ASCII.GetBytes(payload);
        var packet = Ipv4(fromClient, 17, 8 + data.Length);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(24), (ushort)(8 + data.Length));
        data.CopyTo(packet.AsSpan(28));
        return Add(ms, packet, null);
    }

    private byte[] Ipv4(bool fromClient, byte protocol, int transportLength)
    {
        var packet = new byte[20 + transportLength];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        packet[8] = 64;
        packet[9] = protocol;
        var (from, to) = fromClient ? (client, host) : (host, client);
        from.Address.MapToIPv4().TryWriteBytes(packet.AsSpan(12), out _);
        to.Address.MapToIPv4().TryWriteBytes(packet.AsSpan(16), out _);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(20), (ushort)from.Port);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(22), (ushort)to.Port);
        return packet;
    }

    private Packets Add(double ms, byte[] packet, string? comment)
    {
        var keep = packet[..WirePacket.KeepLength(packet)];
        _packets.Add(new WirePacket(start.AddTicks((long)(ms * TimeSpan.TicksPerMillisecond)), keep, packet.Length, comment));
        return this;
    }
}
