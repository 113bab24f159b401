using System.Net;

namespace NetLab.Wire;

/// <summary>Where packets were seen from, which decides what a handshake's round trip is.</summary>
public enum WireVantage
{
    /// <summary>At the lab host: the round trip is from its SYN-ACK leaving to the client's ACK arriving.</summary>
    Host,

    /// <summary>On the path, as each packet left its sender (the --wan emulator): the round trip is from the SYN to the ACK.</summary>
    Path,
}

/// <summary>Which end did something first.</summary>
public enum WireSide
{
    /// <summary>The client: the student's end.</summary>
    Client,

    /// <summary>The lab host.</summary>
    Host,
}

/// <summary>
/// One conversation in a capture: a TCP connection or a UDP exchange between one client address and port and one host
/// address and port, its packets in time order, and what they show: the handshake's round trip, who closed first,
/// data segments each way, retransmissions and packets the path lost.
/// </summary>
public sealed class WireFlow
{
    private WireFlow(WireProtocol protocol, IPEndPoint client, IPEndPoint host)
    {
        Protocol = protocol;
        Client = client;
        Host = host;
    }

    /// <summary>TCP or UDP.</summary>
    public WireProtocol Protocol { get; }

    /// <summary>The client's address and port, as seen where the packets were captured (after any NAT).</summary>
    public IPEndPoint Client { get; }

    /// <summary>The host's address and port.</summary>
    public IPEndPoint Host { get; }

    /// <summary>The packets, in time order.</summary>
    public List<WirePacket> Packets { get; } = [];

    /// <summary>True when <paramref name="packet"/> went from the client to the host.</summary>
    public bool FromClient(WirePacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        return packet.SourcePort == Client.Port && packet.Source.Equals(Client.Address);
    }

    /// <summary>When the first packet was seen.</summary>
    public DateTime Start => Packets[0].TimestampUtc;

    /// <summary>
    /// The handshake's packets, as indices into <see cref="Packets"/>: the client's last SYN and the host's last SYN-ACK
    /// that were not lost, and the client's first ACK after it; null when the capture holds no complete handshake.
    /// </summary>
    public (int Syn, int SynAck, int Ack)? Handshake()
    {
        if (Protocol != WireProtocol.Tcp)
        {
            return null;
        }

        var syn = Packets.FindLastIndex(p => p.Has(TcpControlBits.Syn) && !p.Has(TcpControlBits.Ack) && FromClient(p) && p.Comment is null);
        var synAck = Packets.FindLastIndex(p => p.Has(TcpControlBits.Syn | TcpControlBits.Ack) && !FromClient(p) && p.Comment is null);
        if (syn < 0 || synAck < 0)
        {
            return null;
        }

        var ack = Packets.FindIndex(synAck + 1, p => FromClient(p) && p.Has(TcpControlBits.Ack) && !p.Has(TcpControlBits.Syn));
        return ack < 0 ? null : (syn, synAck, ack);
    }

    /// <summary>The handshake's round trip as seen from <paramref name="vantage"/>; null when the capture holds no complete handshake.</summary>
    public TimeSpan? HandshakeRtt(WireVantage vantage) => Handshake() is var (syn, synAck, ack)
        ? Packets[ack].TimestampUtc - Packets[vantage == WireVantage.Host ? synAck : syn].TimestampUtc
        : null;

    /// <summary>Where the first FIN or RST that was not lost is in <see cref="Packets"/>; -1 when neither came yet.</summary>
    public int FirstClose => Packets.FindIndex(p => p.Comment is null && (p.Has(TcpControlBits.Fin) || p.Has(TcpControlBits.Rst)));

    /// <summary>Who sent the first FIN or RST; null when neither did yet.</summary>
    public WireSide? ClosedFirstBy => FirstClose is var first and >= 0 ? FromClient(Packets[first]) ? WireSide.Client : WireSide.Host : null;

    /// <summary>True when either end reset the connection.</summary>
    public bool Reset => Packets.Exists(p => p.Has(TcpControlBits.Rst));

    /// <summary>Packets carrying data from <paramref name="side"/>, and their bytes on the wire.</summary>
    public (int Segments, long Bytes) Data(WireSide side)
    {
        var (segments, bytes) = (0, 0L);
        foreach (var p in Packets)
        {
            if (p.PayloadLength > 0 && FromClient(p) == (side == WireSide.Client))
            {
                segments++;
                bytes += p.PayloadLength;
            }
        }

        return (segments, bytes);
    }

    /// <summary>Packets the capture marked lost on the path (the --wan emulator's comment).</summary>
    public int Lost => Packets.Count(IsLost);

    /// <summary>Segments that repeat sequence space already sent: retransmissions.</summary>
    public int Retransmissions => Marks().Count(m => m == WireMark.Retransmission);

    /// <summary>True when the capture's comment says the path dropped this packet.</summary>
    public static bool IsLost(WirePacket packet) => packet?.Comment is { } c && (c.StartsWith("lost", StringComparison.Ordinal) || c.StartsWith("dropped", StringComparison.Ordinal));

    /// <summary>Each packet's mark, in the order of <see cref="Packets"/>.</summary>
    public IReadOnlyList<WireMark> Marks()
    {
        var marks = new WireMark[Packets.Count];
        uint? clientNext = null, hostNext = null;
        for (var i = 0; i < Packets.Count; i++)
        {
            var p = Packets[i];
            if (Protocol != WireProtocol.Tcp)
            {
                marks[i] = IsLost(p) ? WireMark.Lost : WireMark.None;
                continue;
            }

            var fromClient = FromClient(p);
            ref var next = ref fromClient ? ref clientNext : ref hostNext;
            var length = (uint)p.PayloadLength + (p.Has(TcpControlBits.Syn) ? 1u : 0) + (p.Has(TcpControlBits.Fin) ? 1u : 0);
            var end = p.Sequence + length;
            var repeat = length > 0 && next is { } n && (int)(end - n) <= 0;
            marks[i] = IsLost(p) ? WireMark.Lost : repeat ? WireMark.Retransmission : p.Has(TcpControlBits.Rst) ? WireMark.Reset : WireMark.None;
            if (length > 0 && (next is not { } m || (int)(end - m) > 0))
            {
                next = end;
            }
        }

        return marks;
    }

    /// <summary>
    /// Splits packets into conversations. The host's side is the one whose port is in <paramref name="hostPorts"/>
    /// (the agent's lab ports); without them, the side a SYN went to, else the first packet's destination. A SYN after
    /// a connection closed on the same ports starts a new one. Packets other than TCP and UDP are left out.
    /// </summary>
    public static List<WireFlow> Group(IEnumerable<WirePacket> packets, IReadOnlyCollection<int>? hostPorts = null)
    {
        ArgumentNullException.ThrowIfNull(packets);
        var flows = new List<WireFlow>();
        var open = new Dictionary<(WireProtocol, IPEndPoint, IPEndPoint), WireFlow>();
        foreach (var p in packets.OrderBy(p => p.TimestampUtc))
        {
            if (p.Protocol == WireProtocol.Other)
            {
                continue;
            }

            var (a, b) = (p.SourceEndPoint, p.DestinationEndPoint);
            var key = Compare(a, b) <= 0 ? (p.Protocol, a, b) : (p.Protocol, b, a);
            var newSyn = p.Has(TcpControlBits.Syn) && !p.Has(TcpControlBits.Ack);
            if (open.TryGetValue(key, out var flow) && !(newSyn && flow.Closed && !flow.Packets.Exists(q => q.Sequence == p.Sequence && q.Has(TcpControlBits.Syn))))
            {
                flow.Packets.Add(p);
                continue;
            }

            var hostIsDestination = hostPorts is { Count: > 0 }
                ? hostPorts.Contains(p.DestinationPort)
                : !(p.Has(TcpControlBits.Syn) && p.Has(TcpControlBits.Ack));
            flow = hostIsDestination ? new WireFlow(p.Protocol, a, b) : new WireFlow(p.Protocol, b, a);
            flow.Packets.Add(p);
            open[key] = flow;
            flows.Add(flow);
        }

        return flows;
    }

    private bool Closed => Packets.Exists(q => q.Has(TcpControlBits.Rst)) || Packets.Count(q => q.Has(TcpControlBits.Fin)) >= 2;

    private static int Compare(IPEndPoint a, IPEndPoint b)
    {
        var byAddress = a.Address.GetAddressBytes().AsSpan().SequenceCompareTo(b.Address.GetAddressBytes());
        return byAddress != 0 ? byAddress : a.Port.CompareTo(b.Port);
    }
}

/// <summary>What a ladder says about one packet beyond its flags.</summary>
public enum WireMark
{
    /// <summary>Nothing special.</summary>
    None,

    /// <summary>The path lost it (the --wan emulator's record).</summary>
    Lost,

    /// <summary>It repeats sequence space sent before: a retransmission.</summary>
    Retransmission,

    /// <summary>A reset.</summary>
    Reset,
}
