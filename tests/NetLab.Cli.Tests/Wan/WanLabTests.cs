using System.Text.Json;
using NetLab.Testing;
using NetLab.Cli.Tests.Support;
using NetLab.Cli.Wan;

namespace NetLab.Cli.Tests.Wan;

/// <summary>
/// netlab lab --wan, as a student runs it: the agent behind an emulated internet path and the cloud's firewall.
/// Every exercise passes; the figures show the path (its round-trip time, its loss, its filtered ports); nothing
/// of the test bed is left afterwards.
/// </summary>
[Trait("Loop", "Slow")] // needs root, network namespaces and TUN devices (netlab lab --wan)
[Collection(OneWanLabAtATime.Name)] // it checks that no lab host is left: none of another test either
public class WanLabTests
{
    [Theory]
    [InlineData("40ms,1%,20Mbit", 80, 0.01)]
    [InlineData("150ms,2%,5Mbit", 300, 0.02)]
    public async Task Every_exercise_passes_across_the_path_and_shows_its_rtt_loss_and_firewall(string spec, double rttMs, double loss)
    {
        var tablesBefore = Nft("list", "tables");
        await using var lab = Netlab.Start("lab", "--wan", spec, "--json");
        await lab.WaitForExitAsync(120);
        lab.AssertExit(0);
        var report = JsonDocument.Parse(lab.Stdout).RootElement;
        Assert.Equal(13, report.GetProperty("passed").GetInt32());
        var exercises = report.GetProperty("exercises").EnumerateArray().ToDictionary(e => e.GetProperty("id").GetString()!, e => e.GetProperty("figures"));

        var rtt = exercises["echo"].GetProperty("rttMedianMs").GetDouble();
        Assert.InRange(rtt, rttMs * 0.8, rttMs * 1.2);

        // Each probe crosses the path twice; with 200 probes, three standard deviations of the estimate either way.
        var roundTripLoss = 1 - ((1 - loss) * (1 - loss));
        var seenLoss = exercises["udp"].GetProperty("lossPercent").GetDouble() / 100;
        var spread = 3 * Math.Sqrt(roundTripLoss * (1 - roundTripLoss) / 200);
        Assert.InRange(seenLoss, Math.Max(0, roundTripLoss - spread), roundTripLoss + spread + 0.01);

        var ports = exercises["ports"];
        Assert.Equal("open", ports.GetProperty("22/tcp").GetString());
        Assert.Equal("open", ports.GetProperty("11211/tcp").GetString());
        foreach (var closed in new[] { "25/tcp", "80/tcp", "110/tcp", "443/tcp" })
        {
            Assert.Equal("filtered", ports.GetProperty(closed).GetString());
        }

        Assert.Empty(WanLab.Leftovers());
        Assert.Equal(tablesBefore, Nft("list", "tables"));
    }

    [Fact]
    public async Task With_wire_the_ladders_show_the_paths_losses_their_retransmissions_and_the_filtered_syns()
    {
        var pcap = Path.Combine(Path.GetTempPath(), $"netlab-wan-{Environment.ProcessId}-{Guid.NewGuid():N}.pcapng");
        try
        {
            // 256 KiB in about 180 segments at 5% loss each way: a loss, and its repair, all but certain.
            await using var lab = Netlab.Start("lab", "--wan", "10ms,5%,50Mbit", "--only", "ncat-file,ports", "--wire", "--pcap", pcap);
            await lab.WaitForExitAsync(120);
            lab.AssertExit(0);
            Assert.Contains("as the path saw it", lab.Stdout, StringComparison.Ordinal);
            Assert.Contains("x lost on the path (emulated loss)", lab.Stdout, StringComparison.Ordinal);
            Assert.Contains("(retransmission)", lab.Stdout, StringComparison.Ordinal);
            Assert.Contains("^ handshake: one round trip, ", lab.Stdout, StringComparison.Ordinal);
            Assert.Contains("(SYN to ACK)", lab.Stdout, StringComparison.Ordinal);
            Assert.Matches(@"Above,\s+port\s+\d+\s+is\s+filtered:\s+\d\s+SYNs?\s+and\s+no\s+answer", lab.Stdout); // a long line is folded

            var comments = Tool.Run("tshark", "-r", pcap, "-Y", "frame.comment contains \"lost on the path\"", "-T", "fields", "-e", "frame.number");
            Assert.True(comments.Code == 0, comments.Output);
            Assert.NotEmpty(comments.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            File.Delete(pcap);
        }
    }

    [Fact]
    public async Task Ctrl_C_takes_the_path_apart_too()
    {
        await using var lab = Netlab.Start("lab", "--wan");
        await lab.WaitForOutputAsync("exercises against", timeoutSeconds: 60);
        Assert.NotEmpty(WanLab.Leftovers());
        await Netlab.InterruptAsync(lab);
        await lab.WaitForExitAsync(20);
        lab.AssertExit(ExitCodes.Interrupted); // stopped by the signal, not at the end of the run
        Assert.Empty(WanLab.Leftovers());
    }

    [Theory]
    [InlineData("forty", "'forty' is not a one-way delay")]
    [InlineData("40ms,60%", "'60%' is not a loss")]
    [InlineData("40ms,1%,fast", "'fast' is not a rate")]
    public async Task A_bad_path_is_refused_with_the_form_to_use(string spec, string message)
    {
        var run = await Netlab.RunAsync("lab", "--wan", spec);
        run.AssertExit(2);
        Assert.Contains(message, run.Error);
        Assert.Contains("DELAY[,LOSS[,RATE]]", run.Error);
    }

    [Fact]
    public void The_lab_host_s_firewall_admits_exactly_the_security_group_s_ports()
    {
        var rules = WanLab.FirewallRules();
        Assert.Contains("policy drop;", rules);
        Assert.Contains("tcp dport { 22, 11211 } accept", rules);
        Assert.Contains("udp dport { 11211 } accept", rules);
    }

    private static string Nft(params string[] args) => LinuxHost.Run("nft", args);
}
