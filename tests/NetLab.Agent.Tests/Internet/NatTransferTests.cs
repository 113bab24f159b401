using System.Security.Cryptography;
using NetLab.Agent.Tests.Support;

namespace NetLab.Agent.Tests.Internet;

/// <summary>
/// Classmates behind one NAT share one address. A's armed transfer must never take B's ordinary nc session,
/// B's curl request, or B's own ncat transfer; where the agent cannot tell them apart, it refuses and says why.
/// </summary>
public sealed class NatTransferTests : IDisposable
{
    private readonly ScratchDir _scratch = new();
    private readonly string _dataDir = Directory.CreateTempSubdirectory("netlab-nat-").FullName;

    public void Dispose()
    {
        _scratch.Dispose();
        Directory.Delete(_dataDir, recursive: true);
    }

    [Fact]
    public async Task Behind_one_NAT_a_classmate_s_nc_session_curl_request_and_ncat_transfer_are_never_taken_for_an_armed_transfer()
    {
        using var net = new TestInternet(clientAddresses: 1);
        await net.StartAgentAsync(_dataDir);
        var nat = net.ClientAddresses[0];
        var port = $"{TestInternet.Port}";
        var (input, sha) = _scratch.RandomFile("inputfile", 200_000, seed: 3);

        await using var a = net.StartClient("nc", "-s", nat, net.HostAddress, port);
        await a.WaitForOutputAsync("q to quit.");
        await a.WriteAsync("/recv outputfile\n");
        await a.WaitForOutputAsync("OK armed");

        // B opens an ordinary session: silent until B types, so it is a session, not A's file.
        await using (var b = net.StartClient("nc", "-s", nat, net.HostAddress, port))
        {
            await b.WaitForOutputAsync("Successfully Connected");
            await b.WriteAsync("hello\n");
            await b.WaitForOutputAsync("What?");
        }

        // B's curl is HTTP, whatever is armed.
        Assert.Equal("Hello World!\n", (await Curl.FromAsync(net, nat, "/")).Body);

        // A's real sender, which sends at once, is the transfer.
        (await net.ShellClientAsync($"ncat -s {nat} --send-only {net.HostAddress} {port} < '{input}'")).AssertExit(0);
        await a.WaitForOutputAsync($"received outputfile: 200000 bytes");
        Assert.Contains($"sha256 {sha}", a.Stdout);

        // /send: B's curl still gets HTTP, B's nc session its banner; A's receiver, whose stdin is empty, gets the file.
        await a.WriteAsync("/send outputfile\n");
        await a.WaitForOutputAsync("receives outputfile");
        Assert.Equal("Hello World!\n", (await Curl.FromAsync(net, nat, "/")).Body);
        var bSession = await net.RunClientAsync("nc", ["-s", nat, "-q1", net.HostAddress, port], "q\n"u8.ToArray());
        Assert.StartsWith("Successfully Connected", bSession.Stdout);
        var output = Path.Combine(_scratch.Path, "copy");
        (await net.ShellClientAsync($"ncat -s {nat} {net.HostAddress} {port} < /dev/null > '{output}'")).AssertExit(0);
        Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(output))));
        await a.WaitForOutputAsync("sent outputfile: 200000 bytes");

        // Both arm at once: the agent cannot tell whose connection is whose, so both are refused, and B's
        // ncat transfer that follows is an ordinary connection, stored as nobody's file.
        await a.WriteAsync("/recv mine\n");
        await a.WaitForOutputAsync("OK armed: the next connection from");
        var b2 = await net.RunClientAsync("nc", ["-s", nat, "-q2", net.HostAddress, port], "/recv theirs\nq\n"u8.ToArray());
        Assert.Contains($"ERROR another session from {nat} has a transfer armed (mine)", b2.Stdout);
        Assert.Contains("curl -T FILE", b2.Stdout);
        await a.WaitForOutputAsync("ERROR your /recv mine was cancelled");
        var stray = await net.ShellClientAsync($"ncat -s {nat} --send-only {net.HostAddress} {port} < '{input}'");
        stray.AssertExit(0);
        await a.WriteAsync("/files\n");
        await a.WaitForOutputAsync("outputfile\t200000\t");
        await Task.Delay(500);
        Assert.DoesNotContain("mine\t", a.Stdout);
        Assert.DoesNotContain("theirs\t", a.Stdout);
    }
}
