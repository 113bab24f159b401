using System.Net;
using System.Text.Json.Serialization;
using NetLab.Wire;

namespace NetLab.Cli.Wire;

/// <summary>One connection of an exercise as <c>--json</c> gives it (schema netlab.connect/3's <c>wire</c>, docs/json.md).</summary>
internal sealed record WireConnection(
    [property: JsonPropertyName("protocol")] string Protocol,
    [property: JsonPropertyName("you")] string? You,
    [property: JsonPropertyName("hostSaw")] string HostSaw,
    [property: JsonPropertyName("host")] string Host,
    [property: JsonPropertyName("rewritten")] bool? Rewritten,
    [property: JsonPropertyName("packets")] int Packets,
    [property: JsonPropertyName("handshakeMs")] double? HandshakeMs,
    [property: JsonPropertyName("closedFirstBy")] string? ClosedFirstBy,
    [property: JsonPropertyName("retransmissions")] int Retransmissions,
    [property: JsonPropertyName("lost")] int Lost);

/// <summary>
/// An exercise's packets as the run shows them: its conversations, each paired with the client's own view of it (the
/// local address and port the socket had) so a NAT's rewrite shows, drawn as ladders.
/// </summary>
internal sealed class WireView
{
    /// <summary>Ladders drawn in full per exercise; the others are counted.</summary>
    private const int MaxLadders = 3;

    private WireView(List<WireFlow> flows, Dictionary<WireFlow, IPEndPoint> local, WireVantage vantage)
    {
        Flows = flows;
        Local = local;
        Vantage = vantage;
    }

    /// <summary>The exercise's conversations, in the order they began.</summary>
    public List<WireFlow> Flows { get; }

    /// <summary>Where the packets were seen.</summary>
    public WireVantage Vantage { get; }

    private Dictionary<WireFlow, IPEndPoint> Local { get; }

    /// <summary>
    /// Pairs <paramref name="flows"/> with the client's sockets: by port where a port was kept (no NAT, or a NAT that
    /// keeps ports), then the rest in the order they opened.
    /// </summary>
    public static WireView Build(List<WireFlow> flows, IReadOnlyList<(WireProtocol Protocol, IPEndPoint Local)> local, WireVantage vantage)
    {
        var pairs = new Dictionary<WireFlow, IPEndPoint>();
        var free = local.ToList();
        foreach (var flow in flows)
        {
            var same = free.FindIndex(l => l.Protocol == flow.Protocol && l.Local.Port == flow.Client.Port);
            if (same >= 0)
            {
                pairs[flow] = free[same].Local;
                free.RemoveAt(same);
            }
        }

        foreach (var flow in flows.Where(f => !pairs.ContainsKey(f)))
        {
            var next = free.FindIndex(l => l.Protocol == flow.Protocol);
            if (next >= 0)
            {
                pairs[flow] = free[next].Local;
                free.RemoveAt(next);
            }
        }

        return new WireView(flows, pairs, vantage);
    }

    /// <summary>The first TCP conversation with a complete handshake, for the lessons.</summary>
    public WireFlow? FirstHandshake => Flows.Find(f => f.HandshakeRtt(Vantage) is not null);

    /// <summary>
    /// The NAT line: "your router rewrote 192.168.1.23:53164 into 203.0.113.9:61234", or that it was not rewritten;
    /// null when the client's own view of this conversation is unknown.
    /// </summary>
    public string? Rewrite(WireFlow flow)
    {
        if (!Local.TryGetValue(flow, out var mine))
        {
            return null;
        }

        var you = Ladder.Endpoint(mine);
        var seen = Ladder.Endpoint(flow.Client);
        return you == seen
            ? $"not rewritten: the lab host saw your own {seen} (no NAT)"
            : $"your router rewrote {you} into {seen}{(mine.Port == flow.Client.Port ? " (NAT, port kept)" : " (NAT)")}";
    }

    /// <summary>The ladders, each under its NAT line.</summary>
    public List<string> Lines()
    {
        var lines = new List<string>();
        var options = new LadderOptions { Vantage = Vantage };
        foreach (var flow in Flows.Take(MaxLadders))
        {
            var ladder = Ladder.Render(flow, options);
            lines.Add(ladder[0]);
            if (Rewrite(flow) is { } rewrite)
            {
                lines.Add("  " + rewrite);
            }

            lines.AddRange(ladder.Skip(1));
        }

        if (Flows.Count > MaxLadders)
        {
            var rest = Flows.Count - MaxLadders;
            lines.Add($"... and {rest} more {(rest == 1 ? "connection" : "connections")} ({Flows.Skip(MaxLadders).Sum(f => f.Packets.Count)} packets): --pcap FILE keeps them all for Wireshark");
        }

        return lines;
    }

    /// <summary>Each conversation for --json.</summary>
    public List<WireConnection> Connections() => Flows.Select(f =>
    {
        Local.TryGetValue(f, out var mine);
        var you = mine is null ? null : Ladder.Endpoint(mine);
        var seen = Ladder.Endpoint(f.Client);
        return new WireConnection(f.Protocol == WireProtocol.Tcp ? "tcp" : "udp", you, seen, Ladder.Endpoint(f.Host), you is null ? null : you != seen,
            f.Packets.Count, f.HandshakeRtt(Vantage) is { } rtt ? Math.Round(rtt.TotalMilliseconds, 3) : null,
            f.ClosedFirstBy switch { WireSide.Client => "you", WireSide.Host => "host", _ => null }, f.Retransmissions, f.Lost);
    }).ToList();
}
