using System.Net;
using System.Runtime.CompilerServices;
using NetLab.Testing;
using NetLab.Wire;

namespace NetLab.Cli.Tests.Wire;

/// <summary>The ladder of a scripted connection, compared with its snapshot (Snapshots/ladder-*.txt; NETLAB_UPDATE_SNAPSHOTS=1 rewrites them).</summary>
public class LadderTests
{
    private static readonly IPEndPoint Client = new(IPAddress.Parse("203.0.113.9"), 61234);
    private static readonly IPEndPoint Host = new(IPAddress.Parse("10.0.0.5"), 11211);
    private static readonly DateTime Start = new(2026, 12, 4, 12, 0, 0, DateTimeKind.Utc);

    /// <summary>A text session across an 84 ms path: handshake, the banner, one command and its answer, the client closes.</summary>
    public static Packets TextSession() => new Packets(Client, Host, Start)
        .Tcp(0, true, TcpControlBits.Syn)
        .Tcp(0.021, false, TcpControlBits.Syn | TcpControlBits.Ack)
        .Tcp(84.133, true, TcpControlBits.Ack)
        .Tcp(250.4, false, TcpControlBits.Psh | TcpControlBits.Ack, "NetLab agent on lab-host. You are 203.0.113.9:61234.\r\n")
        .Tcp(334.6, true, TcpControlBits.Ack)
        .Tcp(1210.2, true, TcpControlBits.Psh | TcpControlBits.Ack, "/echo hi\n")
        .Tcp(1210.3, false, TcpControlBits.Psh | TcpControlBits.Ack, "hi\r\n")
        .Tcp(1294.5, true, TcpControlBits.Ack)
        .Tcp(1800.0, true, TcpControlBits.Fin | TcpControlBits.Ack)
        .Tcp(1800.2, false, TcpControlBits.Fin | TcpControlBits.Ack)
        .Tcp(1884.4, true, TcpControlBits.Ack);

    [Fact]
    public void A_text_session_reads_as_its_snapshot()
    {
        var flows = WireFlow.Group(TextSession().All, [Host.Port]);
        var flow = Assert.Single(flows);
        Assert.Equal(Client, flow.Client);
        Assert.Equal(84.112, flow.HandshakeRtt(WireVantage.Host)!.Value.TotalMilliseconds, 3);
        Assert.Equal(WireSide.Client, flow.ClosedFirstBy);
        Assert.Equal((1, 9L), flow.Data(WireSide.Client));
        Assert.Equal((2, 58L), flow.Data(WireSide.Host));
        Snapshot("ladder-text-session.txt", Ladder.Render(flow, new LadderOptions()));
    }

    [Fact]
    public void A_lost_segment_and_its_retransmission_are_marked()
    {
        var packets = new Packets(Client, Host, Start)
            .Tcp(0, true, TcpControlBits.Syn)
            .Tcp(40, false, TcpControlBits.Syn | TcpControlBits.Ack)
            .Tcp(80, true, TcpControlBits.Ack)
            .Tcp(81, true, TcpControlBits.Psh | TcpControlBits.Ack, new string('a', 1000), comment: "lost on the path (emulated loss)", advance: false)
            .Tcp(300, true, TcpControlBits.Psh | TcpControlBits.Ack, new string('a', 1000))
            .Tcp(340, false, TcpControlBits.Ack)
            .Tcp(400, false, TcpControlBits.Rst | TcpControlBits.Ack);
        var flow = Assert.Single(WireFlow.Group(packets.All));
        Assert.Equal([WireMark.None, WireMark.None, WireMark.None, WireMark.Lost, WireMark.Retransmission, WireMark.None, WireMark.Reset], flow.Marks());
        Assert.Equal(TimeSpan.FromMilliseconds(80), flow.HandshakeRtt(WireVantage.Path));
        Assert.Equal(WireSide.Host, flow.ClosedFirstBy);
        Snapshot("ladder-loss.txt", Ladder.Render(flow, new LadderOptions { Vantage = WireVantage.Path }));
    }

    [Fact]
    public void A_long_transfer_keeps_its_ends_and_sums_up_the_middle()
    {
        var packets = new Packets(Client, Host, Start)
            .Tcp(0, true, TcpControlBits.Syn)
            .Tcp(0.1, false, TcpControlBits.Syn | TcpControlBits.Ack)
            .Tcp(0.2, true, TcpControlBits.Ack);
        for (var i = 0; i < 200; i++)
        {
            packets.Tcp(1 + i, true, TcpControlBits.Ack, new string('x', 1448)).Tcp(1.5 + i, false, TcpControlBits.Ack);
        }

        packets.Tcp(300, true, TcpControlBits.Fin | TcpControlBits.Ack).Tcp(300.1, false, TcpControlBits.Fin | TcpControlBits.Ack).Tcp(300.2, true, TcpControlBits.Ack);
        var flow = Assert.Single(WireFlow.Group(packets.All, [Host.Port]));
        var lines = Ladder.Render(flow, new LadderOptions());
        Assert.True(lines.Count <= 16 + 6, string.Join('\n', lines));
        Assert.Contains(lines, l => l.Contains("data segments you -> host", StringComparison.Ordinal));
        Assert.Contains("you sent 289.6 kB in 200 segments, the host nothing", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_udp_exchange_has_no_handshake()
    {
        var packets = new Packets(Client, Host, Start).Udp(0, true, "ping 1").Udp(42.5, false, "ping 1");
        var lines = Ladder.Render(packets.All, Host.Port);
        Assert.StartsWith("UDP 203.0.113.9:61234 -> 10.0.0.5:11211", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("no handshake", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("<-", StringComparison.Ordinal) && l.Contains("datagram 6 bytes", StringComparison.Ordinal));
    }

    [Fact]
    public void Pcapng_round_trips_and_tshark_reads_it()
    {
        var packets = TextSession().All;
        var file = Path.Combine(Path.GetTempPath(), $"netlab-ladder-{Environment.ProcessId}-{Guid.NewGuid():N}.pcapng");
        try
        {
            File.WriteAllBytes(file, Pcapng.ToBytes(packets));
            var back = Pcapng.Read(File.ReadAllBytes(file));
            Assert.Equal(packets.Count, back.Count);
            Assert.Equal(packets.Select(p => (p.TimestampUtc, p.OriginalLength, p.Sequence)), back.Select(p => (p.TimestampUtc, p.OriginalLength, p.Sequence)));

            var run = Tool.Run("tshark", "-r", file, "-o", "tcp.relative_sequence_numbers:TRUE", "-T", "fields", "-E", "separator=,",
                "-e", "tcp.flags.str", "-e", "tcp.seq", "-e", "tcp.len", "-e", "frame.time_relative");
            Assert.Equal(0, run.Code);
            var rows = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(11, rows.Length);
            Assert.Contains("S", rows[0].Split(',')[0], StringComparison.Ordinal);
            Assert.Equal("0", rows[0].Split(',')[1]);
            Assert.Equal("54", rows[3].Split(',')[2]);
            Assert.StartsWith("1.884", rows[10].Split(',')[3], StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static void Snapshot(string name, IReadOnlyList<string> lines, [CallerFilePath] string source = "")
    {
        var text = string.Join('\n', lines) + "\n";
        var path = Path.Combine(Path.GetDirectoryName(source)!, "..", "Snapshots", name);
        if (Environment.GetEnvironmentVariable("NETLAB_UPDATE_SNAPSHOTS") == "1")
        {
            File.WriteAllText(path, text);
        }

        Assert.True(File.Exists(path), $"no snapshot {path}; run the tests once with NETLAB_UPDATE_SNAPSHOTS=1 and review it");
        Assert.Equal(File.ReadAllText(path), text);
    }
}
