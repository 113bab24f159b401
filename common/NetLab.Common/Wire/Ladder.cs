using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NetLab.Wire;

/// <summary>One row of a ladder: a packet, or (with <see cref="Packet"/> null) a summary of packets left out.</summary>
/// <param name="Packet">The packet; null for a summary row.</param>
/// <param name="Ms">Milliseconds since the conversation's first packet.</param>
/// <param name="FromClient">True for an arrow from the client to the host.</param>
/// <param name="Label">Its flags, numbers, length and text, or the summary.</param>
/// <param name="Mark">Lost, retransmission, reset or none.</param>
/// <param name="Note">What it shows (the handshake's round trip, who closed first), or null.</param>
public sealed record LadderRow(WirePacket? Packet, double Ms, bool FromClient, string Label, WireMark Mark, string? Note);

/// <summary>How a ladder is drawn.</summary>
public sealed record LadderOptions
{
    /// <summary>Where the packets were seen: decides the handshake's round trip and the header's words.</summary>
    public WireVantage Vantage { get; init; } = WireVantage.Host;

    /// <summary>At most this many packet lines; the middle of a longer conversation is summed up in one line (marked packets are kept).</summary>
    public int MaxPackets { get; init; } = 16;

    /// <summary>The width of the arrow column.</summary>
    public int ArrowWidth { get; init; } = 50;
}

/// <summary>
/// A conversation as a ladder diagram in plain text, one line per packet: who sent it (an arrow from the client on the
/// left to the lab host on the right, or back), its flags, relative sequence and acknowledgement numbers (each side's
/// first sequence number counts as 0, as Wireshark shows them), data with its length, the time since the first packet,
/// and marks for losses, retransmissions and resets; under the handshake its round trip, under the first FIN or RST who
/// closed first.
/// </summary>
public static class Ladder
{
    private const string Indent = "            ";

    /// <summary>One connection's packets (those of <paramref name="packets"/> on the first conversation found), the host being the side on <paramref name="hostPort"/>.</summary>
    public static IReadOnlyList<string> Render(IReadOnlyList<WirePacket> packets, int hostPort)
    {
        var flows = WireFlow.Group(packets, [hostPort]);
        return flows.Count == 0 ? ["(no packets captured)"] : Render(flows[0], new LadderOptions());
    }

    /// <summary>The ladder of <paramref name="flow"/>.</summary>
    public static IReadOnlyList<string> Render(WireFlow flow, LadderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var lines = new List<string>
        {
            Title(flow, options),
            $"{"ms",10}  {"you".PadRight(options.ArrowWidth - 8)}lab host",
        };
        foreach (var row in Rows(flow, options))
        {
            if (row.Packet is null)
            {
                lines.Add(Indent + row.Label);
                continue;
            }

            var label = row.Label.Length > options.ArrowWidth - 3 ? row.Label[..(options.ArrowWidth - 3)] : row.Label;
            var dashes = new string('-', options.ArrowWidth - label.Length - 2);
            var arrow = row.FromClient ? $"{label} {dashes}>" : $"<{dashes} {label}";
            var markText = row.Mark switch
            {
                WireMark.Lost => "  x " + row.Packet.Comment,
                WireMark.Retransmission => "  (retransmission)",
                _ => row.Packet.Comment is { } comment ? "  " + comment : "",
            };
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{row.Ms,10:F3}  {arrow}{markText}"));
            if (row.Note is { } note)
            {
                lines.Add(Indent + "^ " + note);
            }
        }

        lines.Add(Indent + Totals(flow));
        return lines;
    }

    /// <summary>"TCP 203.0.113.9:61234 -> 10.0.0.5:11211, as the lab host saw it".</summary>
    public static string Title(WireFlow flow, LadderOptions options)
    {
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentNullException.ThrowIfNull(options);
        return $"{(flow.Protocol == WireProtocol.Tcp ? "TCP" : "UDP")} {Endpoint(flow.Client)} -> {Endpoint(flow.Host)}, as {(options.Vantage == WireVantage.Host ? "the lab host" : "the path")} saw it";
    }

    /// <summary>
    /// The ladder's rows, for a drawing of it: a packet (its time, direction, label, mark and note), or a line that sums
    /// up packets left out (<see cref="LadderRow.Packet"/> null, the summary in <see cref="LadderRow.Label"/>).
    /// </summary>
    public static List<LadderRow> Rows(WireFlow flow, LadderOptions options)
    {
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentNullException.ThrowIfNull(options);
        var rows = new List<LadderRow>();
        var marks = flow.Marks();
        var notes = Notes(flow, options.Vantage);
        var shown = Shown(flow, marks, notes, options.MaxPackets);
        var numbers = new Numbering(flow);
        var hidden = new List<int>();
        for (var i = 0; i < flow.Packets.Count; i++)
        {
            if (!shown.Contains(i))
            {
                hidden.Add(i);
                continue;
            }

            if (hidden.Count > 0)
            {
                rows.Add(new LadderRow(null, 0, false, Summary(flow, hidden), WireMark.None, null));
                hidden.Clear();
            }

            var p = flow.Packets[i];
            var fromClient = flow.FromClient(p);
            rows.Add(new LadderRow(p, (p.TimestampUtc - flow.Start).TotalMilliseconds, fromClient, Label(flow, p, numbers, fromClient), marks[i], notes.GetValueOrDefault(i)));
        }

        if (hidden.Count > 0)
        {
            rows.Add(new LadderRow(null, 0, false, Summary(flow, hidden), WireMark.None, null));
        }

        return rows;
    }

    /// <summary>The last line: packets and data each way, losses and retransmissions.</summary>
    public static string Totals(WireFlow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        var (up, upBytes) = flow.Data(WireSide.Client);
        var (down, downBytes) = flow.Data(WireSide.Host);
        var unit = flow.Protocol == WireProtocol.Tcp ? "segment" : "datagram";
        string Sent(int n, long bytes) => n == 0 ? "nothing" : $"{Bytes(bytes)} in {Count(n, unit)}";
        var text = $"{Count(flow.Packets.Count, "packet")}; you sent {Sent(up, upBytes)}, the host {Sent(down, downBytes)}";
        if (flow.Lost > 0)
        {
            text += $"; {Count(flow.Lost, "packet")} lost on the path";
        }

        if (flow.Retransmissions > 0)
        {
            text += $", {Count(flow.Retransmissions, "retransmission")}";
        }

        return text;
    }

    private static string Label(WireFlow flow, WirePacket p, Numbering numbers, bool fromClient)
    {
        var text = new StringBuilder();
        if (flow.Protocol == WireProtocol.Udp)
        {
            text.Append(CultureInfo.InvariantCulture, $"datagram {p.PayloadLength} bytes");
        }
        else
        {
            var flags = p.Flags;
            var name = (flags & (TcpControlBits.Syn | TcpControlBits.Rst | TcpControlBits.Fin)) switch
            {
                var f when (f & TcpControlBits.Rst) != 0 => (flags & TcpControlBits.Ack) != 0 ? "RST-ACK" : "RST",
                var f when (f & TcpControlBits.Syn) != 0 => (flags & TcpControlBits.Ack) != 0 ? "SYN-ACK" : "SYN",
                var f when (f & TcpControlBits.Fin) != 0 => "FIN",
                _ => p.PayloadLength > 0 ? "" : "ACK",
            };
            if (p.PayloadLength > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"{p.PayloadLength} bytes");
                if (name.Length > 0)
                {
                    text.Append(", ").Append(name);
                }
            }
            else
            {
                text.Append(name);
            }

            if (p.PayloadLength > 0 || (flags & (TcpControlBits.Syn | TcpControlBits.Fin)) != 0 || (flags & TcpControlBits.Ack) == 0)
            {
                text.Append(CultureInfo.InvariantCulture, $" seq={numbers.Sequence(p, fromClient)}");
            }

            if ((flags & TcpControlBits.Ack) != 0)
            {
                text.Append(CultureInfo.InvariantCulture, $" ack={numbers.Acknowledgement(p, fromClient)}");
            }

            if (p.Window == 0 && (flags & TcpControlBits.Rst) == 0)
            {
                text.Append(" win=0");
            }
        }

        if (Preview(p.Payload) is { Length: > 0 } preview)
        {
            text.Append(" \"").Append(preview).Append('"');
        }

        return text.ToString();
    }

    /// <summary>The payload's start when it is text: up to 12 printable characters.</summary>
    private static string Preview(ReadOnlySpan<byte> payload)
    {
        var text = new StringBuilder();
        foreach (var b in payload)
        {
            if (text.Length == 12 || b is (byte)'\r' or (byte)'\n')
            {
                break;
            }

            if (b is < 0x20 or > 0x7e)
            {
                return "";
            }

            text.Append((char)b);
        }

        return text.Length > 0 && payload.Length > text.Length && text.Length == 12 ? text.Append("...").ToString() : text.ToString();
    }

    private static Dictionary<int, string> Notes(WireFlow flow, WireVantage vantage)
    {
        var notes = new Dictionary<int, string>();
        var p = flow.Packets;
        if (flow.Protocol == WireProtocol.Udp)
        {
            notes[0] = "no handshake: the first datagram carries the data";
            return notes;
        }

        if (flow.HandshakeRtt(vantage) is { } rtt)
        {
            notes[flow.Handshake()!.Value.Ack] = string.Create(CultureInfo.InvariantCulture, $"handshake: one round trip, {Ms(rtt)} ({(vantage == WireVantage.Host ? "SYN-ACK out, ACK in" : "SYN to ACK")})");
        }

        var first = flow.FirstClose;
        if (first >= 0)
        {
            var who = flow.FromClient(p[first]) ? "you" : "the lab host";
            notes[first] = p[first].Has(TcpControlBits.Rst)
                ? $"{who} reset the connection (RST): it ends at once, no FIN exchange"
                : $"{who} closed first (FIN)";
        }

        return notes;
    }

    private static HashSet<int> Shown(WireFlow flow, IReadOnlyList<WireMark> marks, Dictionary<int, string> notes, int max)
    {
        var count = flow.Packets.Count;
        if (count <= max)
        {
            return [.. Enumerable.Range(0, count)];
        }

        var head = max / 2;
        var tail = max / 3;
        var shown = new HashSet<int>(Enumerable.Range(0, head).Concat(Enumerable.Range(count - tail, tail)));
        shown.UnionWith(notes.Keys);
        // The first few of each kind of mark: a run of losses must not crowd out the retransmissions that repaired them.
        var kept = new Dictionary<WireMark, int>();
        for (var i = 0; i < count; i++)
        {
            if (marks[i] is not WireMark.None && kept.GetValueOrDefault(marks[i]) < 4 && shown.Add(i))
            {
                kept[marks[i]] = kept.GetValueOrDefault(marks[i]) + 1;
            }
        }

        return shown;
    }

    private static string Summary(WireFlow flow, List<int> hidden)
    {
        if (hidden.Count == 1)
        {
            return "... 1 packet";
        }

        var (up, upBytes, down, downBytes, acks) = (0, 0L, 0, 0L, 0);
        foreach (var i in hidden)
        {
            var p = flow.Packets[i];
            if (p.PayloadLength == 0)
            {
                acks++;
            }
            else if (flow.FromClient(p))
            {
                (up, upBytes) = (up + 1, upBytes + p.PayloadLength);
            }
            else
            {
                (down, downBytes) = (down + 1, downBytes + p.PayloadLength);
            }
        }

        var parts = new List<string>();
        if (up > 0)
        {
            parts.Add($"{Count(up, "data segment")} you -> host ({Bytes(upBytes)})");
        }

        if (down > 0)
        {
            parts.Add($"{Count(down, "data segment")} host -> you ({Bytes(downBytes)})");
        }

        if (acks > 0)
        {
            parts.Add(Count(acks, flow.Protocol == WireProtocol.Tcp ? "ACK" : "empty datagram"));
        }

        return $"... {hidden.Count.ToString("N0", CultureInfo.InvariantCulture)} packets: {string.Join(", ", parts)}";
    }

    private static string Count(int n, string noun) => $"{n.ToString("N0", CultureInfo.InvariantCulture)} {noun}{(n == 1 ? "" : "s")}";

    private static string Bytes(long n) => n < 10_000
        ? $"{n.ToString(CultureInfo.InvariantCulture)} bytes"
        : n < 10_000_000 ? string.Create(CultureInfo.InvariantCulture, $"{n / 1e3:F1} kB") : string.Create(CultureInfo.InvariantCulture, $"{n / 1e6:F1} MB");

    /// <summary>A duration in milliseconds, as precise as it deserves.</summary>
    public static string Ms(TimeSpan t) => t.TotalMilliseconds switch
    {
        < 1 => string.Create(CultureInfo.InvariantCulture, $"{t.TotalMilliseconds:F3} ms"),
        < 100 => string.Create(CultureInfo.InvariantCulture, $"{t.TotalMilliseconds:F1} ms"),
        var ms => string.Create(CultureInfo.InvariantCulture, $"{ms:F0} ms"),
    };

    /// <summary>"address:port", IPv4-mapped addresses as IPv4, IPv6 in brackets.</summary>
    public static string Endpoint(IPEndPoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var address = endpoint.Address.IsIPv4MappedToIPv6 ? endpoint.Address.MapToIPv4() : endpoint.Address;
        return address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]:{endpoint.Port}" : $"{address}:{endpoint.Port}";
    }

    /// <summary>Relative sequence numbers: each side's first sequence number (its SYN's, else the first seen) counts as 0.</summary>
    private sealed class Numbering
    {
        private readonly uint? _client;
        private readonly uint? _host;

        public Numbering(WireFlow flow)
        {
            _client = Base(flow, fromClient: true);
            _host = Base(flow, fromClient: false);
        }

        public uint Sequence(WirePacket p, bool fromClient) => p.Sequence - ((fromClient ? _client : _host) ?? p.Sequence);

        public uint Acknowledgement(WirePacket p, bool fromClient) => p.Acknowledgement - ((fromClient ? _host : _client) ?? p.Acknowledgement);

        private static uint? Base(WireFlow flow, bool fromClient)
        {
            var mine = flow.Packets.Where(p => flow.FromClient(p) == fromClient).ToList();
            if (mine.Find(p => p.Has(TcpControlBits.Syn)) is { } syn)
            {
                return syn.Sequence;
            }

            if (mine.Count > 0)
            {
                return mine[0].Sequence;
            }

            // Nothing from this side: the other side's acknowledgements say where it stands.
            var other = flow.Packets.Find(p => flow.FromClient(p) != fromClient && p.Has(TcpControlBits.Ack));
            return other?.Acknowledgement - 1;
        }
    }
}
