using System.Globalization;

namespace NetLab.Wire;

/// <summary>
/// Placeholder for the ladder renderer landing on main (same signature): one line per packet, who sent what. Replaced
/// by main's Ladder.cs at the merge.
/// </summary>
public static class Ladder
{
    /// <summary>One connection's packets as lines of text; <paramref name="hostPort"/> is the agent's side.</summary>
    public static IReadOnlyList<string> Render(IReadOnlyList<WirePacket> packets, int hostPort)
    {
        ArgumentNullException.ThrowIfNull(packets);
        if (packets.Count == 0)
        {
            return ["no packets"];
        }

        var start = packets[0].TimestampUtc;
        return [.. packets.Select(p => string.Create(CultureInfo.InvariantCulture,
            $"{(p.TimestampUtc - start).TotalMilliseconds,9:0.000} ms  {(p.SourcePort == hostPort ? "client <-- host" : "client --> host")}  {Name(p)}{(p.PayloadLength > 0 ? $" len={p.PayloadLength}" : "")}"))];
    }

    private static string Name(WirePacket p) => p.Protocol switch
    {
        WireProtocol.Udp => "UDP",
        WireProtocol.Tcp when p.Has(TcpControlBits.Syn | TcpControlBits.Ack) => "SYN-ACK",
        WireProtocol.Tcp when p.Has(TcpControlBits.Syn) => "SYN",
        WireProtocol.Tcp when p.Has(TcpControlBits.Rst) => "RST",
        WireProtocol.Tcp when p.Has(TcpControlBits.Fin) => "FIN",
        WireProtocol.Tcp => "ACK",
        _ => "other",
    };
}
