using System.Net;
using System.Net.Sockets;
using NetLab.Cli.Lab;
using NetLab.Cli.Wan;
using NetLab.Testing;
using NetLab.Wire;
using Xunit.Abstractions;

namespace NetLab.Cli.Tests.Wan;

/// <summary>
/// One lab host for the tests below, behind a short path that loses 5% of its packets each way: a download of 1 MB
/// is some 700 segments, so a loss (and its repair) is certain, and takes a few seconds.
/// </summary>
public sealed class LossyWanLab : IAsyncLifetime
{
    internal static readonly WanPath Path = new(TimeSpan.FromMilliseconds(10), 0.05, 20_000_000);

    internal WanLab Lab { get; private set; } = null!;

    internal PathCapture Capture => Lab.Capture!;

    public async Task InitializeAsync()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Lab = await WanLab.StartAsync(Path, limit.Token);
    }

    public async Task DisposeAsync() => await Lab.DisposeAsync();
}

/// <summary>The --wan path's own record (PathCapture) of real connections across it: losses, retransmissions, a firewall's silence, a closed port's RST.</summary>
[Trait("Loop", "Slow")] // needs root, network namespaces and TUN devices (a WanLab)
[Collection(OneWanLabAtATime.Name)]
public class PathCaptureWanTests(LossyWanLab fixture, ITestOutputHelper output) : IClassFixture<LossyWanLab>
{
    private const string LostComment = "lost on the path (emulated loss)";

    [Fact]
    public async Task A_loss_on_the_path_is_recorded_and_so_is_the_retransmission_that_repaired_it()
    {
        var (client, packets) = await DownloadAsync("1M");
        var lost = packets.Where(p => p.Comment == LostComment && Carries(p)).ToList();
        Assert.NotEmpty(lost);
        Assert.Contains(lost, p =>
            packets.Skip(packets.IndexOf(p) + 1).Any(q => Carries(q) && q.Sequence == p.Sequence && q.SourceEndPoint.Equals(p.SourceEndPoint)));

        // The ladder of that connection marks both: in full, as the path saw it; the default one (16 lines, the first
        // marked packets kept) is shown for a person reading the test's output.
        var flow = Assert.Single(WireFlow.Group(packets, [fixture.Lab.Port]));
        var lines = Ladder.Render(flow, new LadderOptions { Vantage = WireVantage.Path, MaxPackets = int.MaxValue });
        var ladder = string.Join('\n', lines);
        output.WriteLine(string.Join('\n', Ladder.Render(packets, fixture.Lab.Port)));
        Assert.StartsWith($"TCP {fixture.Lab.NearAddress}:{client} -> {fixture.Lab.HostAddress}:{fixture.Lab.Port}, as the path saw it", lines[0], StringComparison.Ordinal);
        Assert.Contains("  x lost on the path (emulated loss)", ladder, StringComparison.Ordinal);
        Assert.Contains("  (retransmission)", ladder, StringComparison.Ordinal);
        Assert.Matches(@"\d+ packets? lost on the path, \d+ retransmissions?", lines[^1]);
    }

    [Fact]
    public async Task Tshark_reads_the_record_with_the_loss_comment_and_the_retransmission()
    {
        var (_, packets) = await DownloadAsync("512K");
        var file = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"netlab-path-{Environment.ProcessId}-{Guid.NewGuid():N}.pcapng");
        try
        {
            File.WriteAllBytes(file, Pcapng.ToBytes(packets, "netlab --wan path"));
            var run = Tool.Run("tshark", "-r", file, "-T", "fields", "-E", "separator=|",
                "-e", "frame.number", "-e", "frame.comment", "-e", "tcp.analysis.retransmission", "-e", "tcp.seq_raw");
            Assert.True(run.Code == 0, run.Output);
            output.WriteLine(string.Join('\n', run.Stdout.Split('\n').Where(l => l.Contains(LostComment, StringComparison.Ordinal) || l.Split('|') is [_, _, { Length: > 0 }, ..])));
            var rows = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(r => r.Split('|')).ToList();
            Assert.Equal(packets.Count, rows.Count);
            Assert.Contains(rows, r => r[1] == LostComment);
            Assert.Contains(rows, r => r[2].Length > 0); // tshark's own analysis finds the repeated sequence space
            Assert.Equal(packets.Count(p => p.Comment is not null), rows.Count(r => r[1].Length > 0));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_SYN_the_firewall_drops_is_recorded_unanswered_and_a_closed_port_answers_with_RST()
    {
        var lab = fixture.Lab;
        var host = IPAddress.Parse(lab.HostAddress);

        // Port 9 (discard) let through the firewall, with nothing listening on it: closed, not filtered.
        lab.Namespace!.Run(["nft", "add", "rule", "inet", "netlab_security_group", "input", "tcp", "dport", "9", "accept"]);
        var cursor = fixture.Capture.Recorded;

        using (var filtered = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await filtered.ConnectAsync(host, 25, wait.Token));
        }

        using (var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15)); // the SYN or the RST may be lost: a SYN again after 1 s, 3 s, 7 s
            var refused = await Assert.ThrowsAsync<SocketException>(async () => await closed.ConnectAsync(host, 9, wait.Token));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }

        // Each packet is recorded as the path reads it, before it is delivered: the RST that refused us is there already.
        var packets = fixture.Capture.TakeSince(ref cursor);
        var toFiltered = packets.Where(p => p.DestinationPort == 25).ToList();
        Assert.NotEmpty(toFiltered);
        Assert.All(toFiltered, p => Assert.True(p.Has(TcpControlBits.Syn) && !p.Has(TcpControlBits.Ack), "only SYNs go to a filtered port"));
        Assert.DoesNotContain(packets, p => p.SourcePort == 25); // the firewall's answer is silence

        Assert.Contains(packets, p => p.DestinationPort == 9 && p.Has(TcpControlBits.Syn));
        Assert.Contains(packets, p => p.SourcePort == 9 && p.Has(TcpControlBits.Rst) && p.Comment is null);
        var ladder = string.Join('\n', Ladder.Render([.. packets.Where(p => p.DestinationPort == 9 || p.SourcePort == 9)], 9));
        Assert.Contains("RST", ladder, StringComparison.Ordinal);
    }

    /// <summary>True for a segment that takes sequence space (data, SYN or FIN): a pure ACK repeats its sequence number without being resent.</summary>
    private static bool Carries(WirePacket p) => p.Protocol == WireProtocol.Tcp && (p.PayloadLength > 0 || p.Has(TcpControlBits.Syn) || p.Has(TcpControlBits.Fin));

    /// <summary>Downloads <paramref name="size"/> from the agent's /source across the path; returns the client's port and that connection's packets as the path recorded them.</summary>
    private async Task<(int ClientPort, List<WirePacket> Packets)> DownloadAsync(string size)
    {
        var lab = fixture.Lab;
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var cursor = fixture.Capture.Recorded;
        int port;
        await using (var client = await LineClient.ConnectAsync(lab.HostAddress, lab.Port, limit.Token, greet: true))
        {
            port = ((IPEndPoint)((NetworkStream)client.Stream).Socket.LocalEndPoint!).Port;
            await client.ReadBannerAsync(limit.Token);
            await client.SendLineAsync($"/source {size}", limit.Token);
            var (bytes, complete, head) = await client.DrainAsync(TimeSpan.FromSeconds(60), limit.Token);
            Assert.True(complete && bytes >= 512 * 1024, $"the download ended early: {bytes} bytes, {head}");
        }

        // The FINs and the last ACK cross the path after the socket closes: wait for the path to be quiet on this connection.
        var packets = new List<WirePacket>();
        var quietSince = DateTime.UtcNow;
        while (DateTime.UtcNow - quietSince < TimeSpan.FromMilliseconds(300))
        {
            var more = fixture.Capture.TakeSince(ref cursor).Where(p => p.SourcePort == port || p.DestinationPort == port).ToList();
            if (more.Count > 0)
            {
                packets.AddRange(more);
                quietSince = DateTime.UtcNow;
            }

            await Task.Delay(50, limit.Token);
        }

        return (port, packets);
    }
}

/// <summary>The tests that build a WanLab (a namespace, TUN devices) run one at a time: some check that none is left.</summary>
[CollectionDefinition(Name)]
public sealed class OneWanLabAtATime
{
    public const string Name = "WanLab";
}
