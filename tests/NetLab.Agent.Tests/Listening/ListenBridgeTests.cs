using NetLab.Testing;

namespace NetLab.Agent.Tests.Listening;

/// <summary>
/// The tutorial's last step on a lab host whose port 11211 the agent holds: <c>netlab-agent listen</c> in the
/// ssh terminal, <c>nc HOST 11211</c> on the laptop, and the two type to each other as with <c>nc -l 11211</c>.
/// Only the ssh client's own address is bridged; everyone else keeps getting the lab.
/// </summary>
[Trait("Loop", "Slow")] // needs root and network namespaces (TestInternet)
public sealed class ListenBridgeTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("netlab-listen-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task The_laptop_s_nc_reaches_the_ssh_terminal_and_any_other_address_gets_the_lab()
    {
        using var net = new TestInternet(clientAddresses: 2);
        await net.StartAgentAsync(_dataDir);
        var (laptop, stranger) = (net.ClientAddresses[0], net.ClientAddresses[1]);
        var port = $"{TestInternet.Port}";

        // ssh sets SSH_CLIENT to the laptop's own address (as the host sees it), its port and 22.
        await using var terminal = net.StartOnHost(new Dictionary<string, string> { ["SSH_CLIENT"] = $"{laptop} 50022 22" }, "dotnet", AgentProcess.Dll, "listen");
        await terminal.WaitForStderrAsync($"waiting on port {port} for the next connection from {laptop}", timeoutSeconds: 20);

        // A stranger (a scanner, a classmate) gets the agent as usual, and the terminal keeps waiting.
        var other = await net.RunClientAsync("nc", ["-s", stranger, "-q1", net.HostAddress, port], "hello\nq\n"u8.ToArray());
        Assert.StartsWith("Successfully Connected", other.Stdout);
        Assert.Contains("What?", other.Stdout);
        Assert.DoesNotContain("listen: connection from", terminal.Stderr);

        // So does a /listen from outside: only a terminal on the host may wait.
        var sneaky = await net.RunClientAsync("nc", ["-s", stranger, "-q1", net.HostAddress, port], System.Text.Encoding.ASCII.GetBytes($"/listen {stranger}\nq\n"));
        Assert.Contains("ERROR /listen is for netlab-agent listen on the lab host itself", sneaky.Stdout);

        // And HTTP from the laptop itself is still the lab's (only a plain connection is the terminal's).
        Assert.Equal("Hello World!\n", (await Curl.FromAsync(net, laptop, "/")).Body);
        Assert.DoesNotContain("listen: connection from", terminal.Stderr);

        // The laptop's nc, silent at first as a person is: bridged to the terminal, both ways, no banner.
        await using var nc = net.StartClient("nc", "-N", "-s", laptop, net.HostAddress, port);
        await terminal.WaitForStderrAsync($"connection from {laptop}:", timeoutSeconds: 15);
        await nc.WriteAsync("hello from the laptop\n");
        await terminal.WaitForOutputAsync("hello from the laptop\n");
        await terminal.WriteAsync("hello from the host\n");
        await nc.WaitForOutputAsync("hello from the host\n");
        Assert.DoesNotContain("Successfully Connected", nc.Stdout);
        Assert.Equal("hello from the laptop\n", terminal.Stdout); // the other side's bytes alone

        // Ctrl-D on the host: EOF to the laptop, which may still send; its EOF ends listen with 0, as nc -l ends.
        terminal.CloseStdin();
        await nc.WriteAsync("one more line\n");
        await terminal.WaitForOutputAsync("one more line\n");
        nc.CloseStdin();
        await terminal.WaitForExitAsync(timeoutSeconds: 15);
        terminal.AssertExit(0);
        await nc.WaitForExitAsync(timeoutSeconds: 15);
        Assert.Equal("hello from the host\n", nc.Stdout);

        // The wait was for one connection: the laptop's next nc is the lab again.
        var after = await net.RunClientAsync("nc", ["-s", laptop, "-q1", net.HostAddress, port], "q\n"u8.ToArray());
        Assert.StartsWith("Successfully Connected", after.Stdout);
    }
}
