using NetLab.Wire;

namespace NetLab.Cli.Wire;

/// <summary>The sentences that point a lesson at its ladder: what the packets above show, with their numbers.</summary>
internal static class WireLessons
{
    /// <summary>"The SYN, SYN-ACK, ACK above took one round trip, 84 ms." and who closed first.</summary>
    public static string? Handshake(WireView view) => Handshake(view, between: null);

    /// <summary>The banner after the handshake: the agent's silence before it speaks first.</summary>
    public static string? Banner(WireView view)
    {
        if (view.FirstHandshake is not { } flow)
        {
            return null;
        }

        var banner = flow.Packets.Find(p => !flow.FromClient(p) && p.PayloadLength > 0);
        var ack = flow.Packets[flow.Handshake()!.Value.Ack]; // the first handshake is complete
        return Handshake(view, banner is null ? null
            : $" The banner ({banner.PayloadLength} bytes) left {Ladder.Ms(banner.TimestampUtc - ack.TimestampUtc)} after it: the agent waited to see whether you would speak first.");
    }

    /// <summary>The round trip, then <paramref name="between"/>, then who closed first.</summary>
    private static string? Handshake(WireView view, string? between)
    {
        if (view.FirstHandshake is not { } flow)
        {
            return null;
        }

        var rtt = Ladder.Ms(flow.HandshakeRtt(view.Vantage)!.Value);
        var close = flow.ClosedFirstBy switch
        {
            WireSide.Client when flow.Reset => " You ended it with a reset (RST).",
            WireSide.Host when flow.Reset => " The lab host ended it with a reset (RST).",
            WireSide.Client => " You closed first: your FIN, then the host's.",
            WireSide.Host => " The lab host closed first: its FIN, then yours.",
            _ => "",
        };
        return $"The SYN, SYN-ACK, ACK above took one round trip, {rtt}.{between}{close}";
    }

    /// <summary>TLS: the ClientHello is the client's first data segment.</summary>
    public static string? Tls(WireView view)
    {
        if (view.FirstHandshake is not { } flow || Handshake(view) is not { } handshake)
        {
            return null;
        }

        var hello = flow.Packets.Find(p => flow.FromClient(p) && p.PayloadLength > 0);
        var answer = flow.Packets.Find(p => !flow.FromClient(p) && p.PayloadLength > 0);
        return hello is null || answer is null
            ? handshake
            : $"{handshake} Your first data segment ({hello.PayloadLength} bytes) is the ClientHello; the host's answer ({answer.PayloadLength} bytes) begins with its ServerHello and certificate, so TLS's own handshake takes another round trip.";
    }

    /// <summary>A transfer: the data segments that carried the file, and the FIN that ended it.</summary>
    public static string? Transfer(WireView view)
    {
        var busiest = view.Flows.Where(f => f.Protocol == WireProtocol.Tcp)
            .OrderByDescending(f => Math.Max(f.Data(WireSide.Client).Bytes, f.Data(WireSide.Host).Bytes)).FirstOrDefault();
        if (busiest is null || Handshake(view) is not { } handshake)
        {
            return null;
        }

        var (segments, bytes) = busiest.Data(WireSide.Client);
        var fin = busiest.ClosedFirstBy == WireSide.Client ? " Your FIN told the agent the file had ended, as nc -N does." : "";
        return $"{handshake} {segments:N0} data segments carried {bytes:N0} bytes from you.{fin}";
    }

    /// <summary>UDP: datagrams without a handshake.</summary>
    public static string? Datagrams(WireView view)
    {
        var udp = view.Flows.Find(f => f.Protocol == WireProtocol.Udp);
        if (udp is null)
        {
            return null;
        }

        var (sent, _) = udp.Data(WireSide.Client);
        var (back, _) = udp.Data(WireSide.Host);
        var lost = udp.Lost > 0 ? $"; the path lost {udp.Lost}, and nothing sent them again" : "";
        return $"The datagrams above had no handshake: the first one already carried data. The host saw {sent} and answered {back}{lost}.";
    }

    /// <summary>Ports: a closed port's RST beside a filtered port's silence (seen on the --wan path).</summary>
    public static string? Ports(WireView view)
    {
        var reset = view.Flows.Find(f => f.Protocol == WireProtocol.Tcp && f.Packets.Exists(p => !f.FromClient(p) && p.Has(TcpControlBits.Rst)));
        var silent = view.Flows.Find(f => f.Protocol == WireProtocol.Tcp && f.Packets.TrueForAll(f.FromClient));
        var parts = new List<string>();
        if (reset is not null)
        {
            parts.Add($"port {reset.Host.Port} is closed: your SYN got a RST back");
        }

        if (silent is not null)
        {
            parts.Add($"port {silent.Host.Port} is filtered: {silent.Packets.Count} SYN{(silent.Packets.Count == 1 ? "" : "s")} and no answer, the firewall dropped {(silent.Packets.Count == 1 ? "it" : "them")}");
        }

        return parts.Count == 0 ? Handshake(view) : $"Above, {string.Join("; ", parts)}.";
    }
}
