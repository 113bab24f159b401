using NetLab.Cli.Tests.Support;
using NetLab.Testing;

namespace NetLab.Cli.Tests.Wire;

/// <summary>
/// netlab lab with the wire: the in-process agent captures (the tests run as root), each exercise's ladders show under
/// it, and --pcap's file is read by tshark with the packets the exercises made.
/// </summary>
public class WireRunTests
{
    [Fact]
    public async Task Lab_with_wire_draws_each_connection_and_pcap_holds_what_tshark_reads()
    {
        var pcap = Path.Combine(Path.GetTempPath(), $"netlab-wire-{Environment.ProcessId}-{Guid.NewGuid():N}.pcapng");
        try
        {
            var run = await Netlab.RunAsync("lab", "--only", "tcp,udp,ncat-file", "--wire", "--pcap", pcap);
            run.AssertExit(0);
            Assert.Contains("TCP 127.0.0.1:", run.Out, StringComparison.Ordinal);
            Assert.Contains("as the lab host saw it", run.Out, StringComparison.Ordinal);
            Assert.Contains("not rewritten: the lab host saw your own 127.0.0.1:", run.Out, StringComparison.Ordinal);
            Assert.Contains("^ handshake: one round trip, ", run.Out, StringComparison.Ordinal);
            Assert.Contains("The SYN, SYN-ACK, ACK above took one round trip", run.Out, StringComparison.Ordinal);
            Assert.Contains("closed first (FIN)", run.Out, StringComparison.Ordinal);
            Assert.Contains("UDP 127.0.0.1:", run.Out, StringComparison.Ordinal);
            Assert.Contains("The datagrams above had no handshake", run.Out, StringComparison.Ordinal);
            Assert.Contains($"packets saved to {pcap}", run.Out, StringComparison.Ordinal);

            int Count(string filter)
            {
                var read = Tool.Run("tshark", "-r", pcap, "-Y", filter, "-T", "fields", "-e", "frame.number");
                Assert.True(read.Code == 0, read.Output);
                return read.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
            }

            // tcp, ncat-file's text session and its sender: at least three handshakes, closed with FINs both ways.
            Assert.True(Count("tcp.flags.syn == 1 && tcp.flags.ack == 0") >= 3);
            Assert.True(Count("tcp.flags.syn == 1 && tcp.flags.ack == 1") >= 3);
            Assert.True(Count("tcp.flags.fin == 1 && tcp.srcport == 11211 || tcp.flags.fin == 1 && tcp.dstport != 11211") >= 1);
            Assert.True(Count("udp") >= 2, "the UDP probes and their echoes");
            Assert.Equal(0, Count("frame.cap_len > 184"));
        }
        finally
        {
            File.Delete(pcap);
        }
    }

    [Fact]
    public async Task No_wire_shows_no_ladder_and_a_pipe_shows_none_by_default()
    {
        var none = await Netlab.RunAsync("lab", "--only", "tcp", "--no-wire");
        none.AssertExit(0);
        Assert.DoesNotContain("SYN-ACK", none.Out, StringComparison.Ordinal);

        var piped = await Netlab.RunAsync("lab", "--only", "tcp");
        piped.AssertExit(0);
        Assert.DoesNotContain("SYN-ACK", piped.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("above took", piped.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_gives_each_connection_with_its_handshake_and_no_rewrite()
    {
        var run = await Netlab.RunAsync("lab", "--only", "tcp", "--json", "--wire"); // --json carries the wire when asked
        run.AssertExit(0);
        var wire = run.Json.GetProperty("exercises")[0].GetProperty("wire");
        var first = wire[0];
        Assert.Equal("tcp", first.GetProperty("protocol").GetString());
        Assert.False(first.GetProperty("rewritten").GetBoolean());
        Assert.Equal(first.GetProperty("you").GetString(), first.GetProperty("hostSaw").GetString());
        Assert.True(first.GetProperty("handshakeMs").GetDouble() >= 0);
        Assert.Equal("you", first.GetProperty("closedFirstBy").GetString());

        // Every connection shown is the exercise's own, paired with its socket (not the end of the probe before it).
        Assert.All(wire.EnumerateArray(), w => Assert.False(w.GetProperty("rewritten").GetBoolean(), w.ToString()));
    }

    [Fact]
    public async Task Wire_and_no_wire_together_or_a_pcap_in_a_missing_folder_are_usage_errors()
    {
        var both = await Netlab.RunAsync("lab", "--wire", "--no-wire");
        both.AssertExit(2);
        Assert.Contains("--wire and --no-wire: give one of them", both.Error, StringComparison.Ordinal);

        var missing = await Netlab.RunAsync("connect", "127.0.0.1", "--pcap", "/nonexistent/dir/run.pcapng");
        missing.AssertExit(2);
        Assert.Contains("--pcap: the folder /nonexistent/dir does not exist", missing.Error, StringComparison.Ordinal);
    }
}
