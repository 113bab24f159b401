using System.Buffers.Binary;
using System.Net;

namespace NetLab.Wire;

/// <summary>The transport of a captured packet.</summary>
public enum WireProtocol
{
    /// <summary>Neither TCP nor UDP, or a header cut too short to say.</summary>
    Other,

    /// <summary>TCP.</summary>
    Tcp,

    /// <summary>UDP.</summary>
    Udp,
}

/// <summary>TCP's control bits (flags), as in the header's 13th byte.</summary>
[Flags]
public enum TcpControlBits : byte
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>FIN: the sender has no more to send.</summary>
    Fin = 0x01,

    /// <summary>SYN: the first segment of each direction.</summary>
    Syn = 0x02,

    /// <summary>RST: the connection is refused or torn down.</summary>
    Rst = 0x04,

    /// <summary>PSH.</summary>
    Psh = 0x08,

    /// <summary>ACK: the acknowledgement number is valid.</summary>
    Ack = 0x10,

    /// <summary>URG.</summary>
    Urg = 0x20,
}

/// <summary>
/// One captured IP packet as the lab keeps it: its bytes from the IP header on (headers and at most
/// <see cref="MaxPayload"/> bytes of payload), the length it had on the wire, when it was seen, and an optional
/// comment (the path emulator's "lost on the path"). Its headers are read on demand; a packet too short or of another
/// kind reads as <see cref="WireProtocol.Other"/>.
/// </summary>
public sealed class WirePacket
{
    /// <summary>Payload bytes kept after the transport header: enough to recognise a banner or a request line, never a whole password file.</summary>
    public const int MaxPayload = 64;

    /// <summary>The longest headers kept before the payload: an IPv4 header with options (60) and a TCP header with options (60).</summary>
    public const int MaxHeaders = 120;

    /// <summary>Reads the headers of <paramref name="data"/> (an IPv4 or IPv6 packet from its IP header on).</summary>
    public WirePacket(DateTime timestampUtc, byte[] data, int originalLength, string? comment = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        TimestampUtc = timestampUtc;
        Data = data;
        OriginalLength = Math.Max(originalLength, data.Length);
        Comment = comment;
        Parse();
    }

    /// <summary>When the packet was seen (UTC).</summary>
    public DateTime TimestampUtc { get; }

    /// <summary>The bytes kept, from the IP header on.</summary>
    public byte[] Data { get; }

    /// <summary>The packet's length on the wire (IP header on).</summary>
    public int OriginalLength { get; }

    /// <summary>A note on the packet, shown by Wireshark as the frame's comment; null for none.</summary>
    public string? Comment { get; }

    /// <summary>TCP, UDP or other.</summary>
    public WireProtocol Protocol { get; private set; }

    /// <summary>The sender's address (IPv4 as itself, not mapped).</summary>
    public IPAddress Source { get; private set; } = IPAddress.None;

    /// <summary>The receiver's address.</summary>
    public IPAddress Destination { get; private set; } = IPAddress.None;

    /// <summary>The sender's port.</summary>
    public int SourcePort { get; private set; }

    /// <summary>The receiver's port.</summary>
    public int DestinationPort { get; private set; }

    /// <summary>TCP's sequence number (raw).</summary>
    public uint Sequence { get; private set; }

    /// <summary>TCP's acknowledgement number (raw).</summary>
    public uint Acknowledgement { get; private set; }

    /// <summary>TCP's flags.</summary>
    public TcpControlBits Flags { get; private set; }

    /// <summary>TCP's window (unscaled).</summary>
    public int Window { get; private set; }

    /// <summary>Payload length on the wire: TCP's segment data or UDP's datagram data.</summary>
    public int PayloadLength { get; private set; }

    /// <summary>Where the payload starts in <see cref="Data"/> (its length there is at most <see cref="MaxPayload"/>).</summary>
    public int PayloadOffset { get; private set; }

    /// <summary>The payload bytes kept (at most <see cref="MaxPayload"/>).</summary>
    public ReadOnlySpan<byte> Payload => PayloadOffset <= Data.Length ? Data.AsSpan(PayloadOffset, Math.Min(Data.Length - PayloadOffset, PayloadLength)) : default;

    /// <summary>The sender as address and port.</summary>
    public IPEndPoint SourceEndPoint => new(Source, SourcePort);

    /// <summary>The receiver as address and port.</summary>
    public IPEndPoint DestinationEndPoint => new(Destination, DestinationPort);

    /// <summary>True when TCP and each of <paramref name="flags"/> is set.</summary>
    public bool Has(TcpControlBits flags) => Protocol == WireProtocol.Tcp && (Flags & flags) == flags;

    /// <summary>
    /// The bytes to keep of a packet: its IP and transport headers and at most <see cref="MaxPayload"/> bytes of
    /// payload; <paramref name="packet"/> itself when it is no longer, or not TCP or UDP (then at most
    /// <see cref="MaxHeaders"/> bytes).
    /// </summary>
    public static int KeepLength(ReadOnlySpan<byte> packet)
    {
        var (protocol, transportOffset) = Locate(packet);
        if (protocol == WireProtocol.Other)
        {
            return Math.Min(packet.Length, MaxHeaders);
        }

        var headers = transportOffset + (protocol == WireProtocol.Udp ? 8 : packet.Length > transportOffset + 12 ? (packet[transportOffset + 12] >> 4) * 4 : 20);
        return Math.Min(packet.Length, headers + MaxPayload);
    }

    /// <summary>The packet's length on the wire as its IP header says (the total length; IPv6's payload length plus 40); 0 when unreadable.</summary>
    public static int WireLength(ReadOnlySpan<byte> packet)
    {
        if (packet.Length >= 20 && packet[0] >> 4 == 4)
        {
            return BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        }

        return packet.Length >= 40 && packet[0] >> 4 == 6 ? 40 + BinaryPrimitives.ReadUInt16BigEndian(packet[4..]) : 0;
    }

    /// <summary>
    /// Where <paramref name="p"/>'s TCP or UDP header starts (an IPv4 header of its own length, IPv6's fixed 40 bytes)
    /// and which it is; <see cref="WireProtocol.Other"/> for another protocol, a later IPv4 fragment, or a packet cut
    /// before its transport header.
    /// </summary>
    public static (WireProtocol Protocol, int TransportOffset) Locate(ReadOnlySpan<byte> p)
    {
        int next, offset;
        if (p.Length >= 20 && p[0] >> 4 == 4)
        {
            if ((BinaryPrimitives.ReadUInt16BigEndian(p[6..]) & 0x1fff) != 0)
            {
                return (WireProtocol.Other, 0); // a later fragment has no transport header
            }

            (next, offset) = (p[9], (p[0] & 0x0f) * 4);
        }
        else if (p.Length >= 40 && p[0] >> 4 == 6)
        {
            (next, offset) = (p[6], 40);
        }
        else
        {
            return (WireProtocol.Other, 0);
        }

        return next switch
        {
            6 when p.Length >= offset + 20 => (WireProtocol.Tcp, offset),
            17 when p.Length >= offset + 8 => (WireProtocol.Udp, offset),
            _ => (WireProtocol.Other, 0),
        };
    }

    private void Parse()
    {
        var p = Data.AsSpan();
        var (protocol, offset) = Locate(p);
        if (p.Length >= 20 && p[0] >> 4 == 4)
        {
            Source = new IPAddress(p.Slice(12, 4));
            Destination = new IPAddress(p.Slice(16, 4));
        }
        else if (p.Length >= 40 && p[0] >> 4 == 6)
        {
            Source = new IPAddress(p.Slice(8, 16));
            Destination = new IPAddress(p.Slice(24, 16));
        }

        Protocol = protocol;
        if (protocol == WireProtocol.Other)
        {
            return;
        }

        var t = p[offset..];
        SourcePort = BinaryPrimitives.ReadUInt16BigEndian(t);
        DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(t[2..]);
        var wire = WireLength(p);
        var ipPayload = Math.Max(0, (wire == 0 ? OriginalLength : wire) - offset);
        if (protocol == WireProtocol.Udp)
        {
            PayloadOffset = offset + 8;
            PayloadLength = Math.Max(0, BinaryPrimitives.ReadUInt16BigEndian(t[4..]) - 8);
            return;
        }

        Sequence = BinaryPrimitives.ReadUInt32BigEndian(t[4..]);
        Acknowledgement = BinaryPrimitives.ReadUInt32BigEndian(t[8..]);
        var headerLength = (t[12] >> 4) * 4;
        Flags = (TcpControlBits)(t[13] & 0x3f);
        Window = BinaryPrimitives.ReadUInt16BigEndian(t[14..]);
        PayloadOffset = offset + headerLength;
        PayloadLength = Math.Max(0, ipPayload - headerLength);
    }
}
