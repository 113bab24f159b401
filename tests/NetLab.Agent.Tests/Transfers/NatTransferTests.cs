using System.Security.Cryptography;
using NetLab.Testing;

namespace NetLab.Agent.Tests.Transfers;

/// <summary>
/// Classmates behind one NAT share one address. A's armed transfer must never take B's ordinary nc session,
/// B's curl request, or B's own ncat transfer; where the agent cannot tell them apart, it refuses and says why.
/// </summary>
[Trait("Loop", "Slow")] // needs root and network namespaces (TestInternet)
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

        // Both arm at once: they take turns, in arm order. B is told its place, and "OK armed" when A's connection came.
        await a.WriteAsync("/recv mine\n");
        await a.WaitForOutputAsync("OK armed: the next connection from");
        await using var b2 = net.StartClient("nc", "-s", nat, net.HostAddress, port);
        await b2.WaitForOutputAsync("q to quit.");
        await b2.WriteAsync("/recv theirs\n");
        await b2.WaitForOutputAsync("queued: 1 transfer from your address is ahead of yours");
        Assert.DoesNotContain("OK armed", b2.Stdout);
        (await net.ShellClientAsync($"ncat -s {nat} --send-only {net.HostAddress} {port} < '{input}'")).AssertExit(0);
        await a.WaitForOutputAsync("received mine: 200000 bytes");
        await b2.WaitForOutputAsync("OK armed: the next connection from");
        var (other, otherSha) = _scratch.RandomFile("other", 50_000, seed: 4);
        (await net.ShellClientAsync($"ncat -s {nat} --send-only {net.HostAddress} {port} < '{other}'")).AssertExit(0);
        await b2.WaitForOutputAsync($"received theirs: 50000 bytes");
        Assert.Contains($"sha256 {otherSha}", b2.Stdout);
        Assert.DoesNotContain("ERROR", a.Stdout + b2.Stdout);
    }

    [Fact]
    public async Task Ten_recv_arms_from_one_address_at_once_store_ten_whole_files_each_under_its_own_name_in_arm_order()
    {
        using var net = new TestInternet(clientAddresses: 1);
        var nat = net.ClientAddresses[0];
        await net.StartAgentAsync(_dataDir, "--trusted", $"{nat}/32"); // a class's campus (a stranger may queue 4)
        var port = $"{TestInternet.Port}";

        // Ten classmates open sessions and arm one after the other (the order is the order of their /recv).
        var students = new List<Tool>();
        try
        {
            for (var i = 0; i < 10; i++)
            {
                var nc = net.StartClient("nc", "-s", nat, net.HostAddress, port);
                students.Add(nc);
                await nc.WaitForOutputAsync("q to quit.");
                await nc.WriteAsync($"/recv file{i}\n");
                await nc.WaitForOutputAsync(i == 0 ? "OK armed" : $"queued: {i} transfer{(i == 1 ? " from your address is" : "s from your address are")} ahead of yours");
            }

            // Each sends when told "OK armed", all at once, as a class would: whoever is armed goes.
            var files = Enumerable.Range(0, 10).Select(i => _scratch.RandomFile($"input{i}", 20_000 + 1_000 * i, seed: 10 + i)).ToList();
            var order = new List<int>();
            await Task.WhenAll(students.Select(async (nc, i) =>
            {
                await nc.WaitForOutputAsync("OK armed", timeoutSeconds: 60);
                lock (order)
                {
                    order.Add(i);
                }

                (await net.ShellClientAsync($"ncat -s {nat} --send-only {net.HostAddress} {port} < '{files[i].Path}'")).AssertExit(0);
                await nc.WaitForOutputAsync($"received file{i}: {20_000 + 1_000 * i} bytes", timeoutSeconds: 30);
                Assert.Contains($"sha256 {files[i].Sha256}", nc.Stdout);
            }));

            Assert.Equal(Enumerable.Range(0, 10), order); // turns in arm order
            var listing = await net.RunClientAsync("nc", ["-s", nat, "-q1", net.HostAddress, port], "/files\nq\n"u8.ToArray());
            for (var i = 0; i < 10; i++)
            {
                Assert.Contains($"file{i}\t{20_000 + 1_000 * i}\t", listing.Stdout);
            }
        }
        finally
        {
            foreach (var nc in students)
            {
                await nc.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task An_arm_whose_connection_does_not_come_passes_the_turn_on_and_a_full_queue_is_refused_with_what_to_do()
    {
        using var net = new TestInternet(clientAddresses: 1);
        await net.StartAgentAsync(_dataDir, "--arm-timeout", "2s", "--max-queued-transfers", "2");
        var nat = net.ClientAddresses[0];
        var port = $"{TestInternet.Port}";
        await using var a = net.StartClient("nc", "-s", nat, net.HostAddress, port);
        await using var b = net.StartClient("nc", "-s", nat, net.HostAddress, port);
        await a.WaitForOutputAsync("q to quit.");
        await b.WaitForOutputAsync("q to quit.");
        await a.WriteAsync("/recv never\n");
        await a.WaitForOutputAsync("OK armed");
        await b.WriteAsync("/recv next\n");
        await b.WaitForOutputAsync("queued: 1 transfer");
        var third = await net.RunClientAsync("nc", ["-s", nat, "-q2", net.HostAddress, port], "/recv third\nq\n"u8.ToArray());
        Assert.Contains("ERROR 2 raw transfers from", third.Stdout);
        Assert.Contains("netlab up --cidr <campus network>", third.Stdout);

        // A never sends: its window closes, it is told, and B's turn comes by itself.
        await a.WaitForOutputAsync("ERROR your /recv never lapsed", timeoutSeconds: 10);
        await b.WaitForOutputAsync("OK armed", timeoutSeconds: 10);
    }
}
