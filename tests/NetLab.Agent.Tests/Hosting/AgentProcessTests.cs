using System.Diagnostics;
using System.Net.Sockets;
using NetLab.Testing;

namespace NetLab.Agent.Tests.Hosting;

/// <summary>netlab-agent as an operator runs it: its command line, its errors, and SIGTERM.</summary>
[Trait("Loop", "Slow")] // starts netlab-agent processes
public sealed class AgentProcessTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("netlab-proc-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task SIGTERM_with_50_idle_sessions_stops_within_3_seconds_and_says_goodbye()
    {
        var (agent, port) = await AgentProcess.StartOnLoopbackAsync(_dataDir);
        await using var _ = agent;
        var sessions = new List<RawClient>();
        try
        {
            for (var i = 0; i < 50; i++)
            {
                var client = await RawClient.ConnectAsync(port);
                sessions.Add(client);
            }

            foreach (var client in sessions)
            {
                await client.ReadUntilAsync("q to quit.\r\n");
            }

            var clock = Stopwatch.StartNew();
            agent.Signal("TERM");

            await agent.WaitForExitAsync(10);
            clock.Stop();
            // The agent gives itself 2 s (HostOptions.ShutdownTimeout); the rest is room for a slow, busy machine.
            // What matters is that stopping does not wait for the sessions' 10-minute idle timeout.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"stopping took {clock.Elapsed.TotalSeconds:F2} s");
            agent.AssertExit(0);

            foreach (var client in sessions)
            {
                Assert.Contains("The agent is shutting down. Bye!", await client.ReadToEndAsync(5));
            }
        }
        finally
        {
            foreach (var client in sessions)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Ready_output_names_the_endpoint_fingerprint_and_commands_to_try()
    {
        var (agent, port) = await AgentProcess.StartOnLoopbackAsync(_dataDir);
        await using var _ = agent;
        Assert.Contains($"listening on 127.0.0.1:{port} (tcp+udp)", agent.Stdout);
        Assert.Matches("certificate SHA-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}", agent.Stdout);
        Assert.Contains($"nc 127.0.0.1 {port}", agent.Stdout);
        Assert.Contains($"openssl s_client -connect 127.0.0.1:{port}", agent.Stdout);
    }

    [Theory]
    [InlineData("--port", "70000", "--port: '70000' is not a port; give a number from 0 to 65535")]
    [InlineData("--port", "abc", "--port: 'abc' is not a port")]
    [InlineData("--bind", "not-an-ip", "--bind: 'not-an-ip' is not an IP address")]
    [InlineData("--sniff-timeout", "soon", "--sniff-timeout: 'soon' is not a duration")]
    [InlineData("--web-port", "http", "--web-port: 'http' is not a port, 0-65535 (e.g. --web-port 5000)")]
    [InlineData("--browser-sniff-timeout", "long", "--browser-sniff-timeout: 'long' is not a duration")]
    [InlineData("--max-file-size", "huge", "--max-file-size: 'huge' is not a size")]
    [InlineData("--frobnicate", "1", "Unrecognized command or argument '--frobnicate'")]
    public async Task Bad_arguments_exit_2_with_a_message_not_a_stack_trace(string option, string value, string message)
    {
        await using var agent = AgentProcess.Start(option, value, "--data-dir", _dataDir);
        await agent.WaitForExitAsync(30);
        agent.AssertExit(2);
        Assert.Contains(message, agent.Stderr + agent.Stdout);
        Assert.DoesNotContain("   at ", agent.Stderr);
    }

    [Fact]
    public async Task A_port_in_use_is_explained()
    {
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        squatter.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var port = ((System.Net.IPEndPoint)squatter.LocalEndPoint!).Port;

        await using var agent = AgentProcess.Start("--bind", "127.0.0.1", "--port", port.ToString(), "--data-dir", _dataDir);
        await agent.WaitForExitAsync(30);
        agent.AssertExit(2);
        Assert.Contains($"port {port} on 127.0.0.1 is already in use", agent.Stderr);
        Assert.DoesNotContain("   at ", agent.Stderr);
        Assert.DoesNotContain("   at ", agent.Stdout); // not the host's "Hosting failed to start" either
        Assert.DoesNotContain("Hosting failed", agent.Stdout);
    }

    [Fact]
    public async Task A_web_port_is_named_with_the_URL_for_a_browser_and_answers_curl()
    {
        var (agent, port) = await AgentProcess.StartOnLoopbackAsync(_dataDir, "--web-port", "0");
        await using var _ = agent;
        var web = System.Text.RegularExpressions.Regex.Match(agent.Stdout, @"web port 127\.0\.0\.1:(\d+) \(http");
        Assert.True(web.Success, agent.Stdout);
        var webPort = int.Parse(web.Groups[1].Value);
        Assert.NotEqual(port, webPort);
        Assert.Contains($"http://127.0.0.1:{webPort}/index", agent.Stdout);
        var index = await Curl.GetAsync($"http://127.0.0.1:{webPort}/index/Adam");
        Assert.Contains("<h1>Hello, Adam!</h1>", index.Body);
    }

    [Fact]
    public async Task Without_a_web_port_the_browser_is_sent_to_https_on_the_lab_port()
    {
        var (agent, port) = await AgentProcess.StartOnLoopbackAsync(_dataDir);
        await using var _ = agent;
        Assert.DoesNotContain("web port", agent.Stdout);
        Assert.Contains($"https://127.0.0.1:{port}/index          in a browser (accept the self-signed certificate once)", agent.Stdout);
    }

    [Fact]
    public async Task A_web_port_in_use_is_explained()
    {
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        squatter.Listen();
        var taken = ((System.Net.IPEndPoint)squatter.LocalEndPoint!).Port;

        await using var agent = AgentProcess.Start("--bind", "127.0.0.1", "--port", "0", "--web-port", taken.ToString(), "--data-dir", _dataDir);
        await agent.WaitForExitAsync(30);
        agent.AssertExit(2);
        Assert.Contains($"--web-port {taken}: port {taken} on 127.0.0.1 is already in use", agent.Stderr);
        Assert.DoesNotContain("   at ", agent.Stderr + agent.Stdout);
    }

    [Fact]
    public async Task Help_teaches_with_examples()
    {
        await using var agent = AgentProcess.Start("--help");
        await agent.WaitForExitAsync(30);
        agent.AssertExit(0);
        foreach (var text in new[] { "--port", "--bind", "--data-dir", "--sniff-timeout", "--max-connections-per-address", "Examples:", "nc localhost 11211" })
        {
            Assert.Contains(text, agent.Stdout);
        }
    }
}
