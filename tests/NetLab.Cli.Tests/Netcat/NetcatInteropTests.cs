using System.Security.Cryptography;
using System.Text;
using NetLab.Testing;
using NetLab.Cli.Tests.Support;

namespace NetLab.Cli.Tests.Netcat;

/// <summary>netlab nc against the real ncat and nc, both ways: connect and listen, TLS, UDP, one-way modes.</summary>
public sealed class NetcatInteropTests(AgentFixture fixture) : IClassFixture<AgentFixture>, IDisposable
{
    private readonly ScratchDir _scratch = new();

    private TestAgent Agent => fixture.Agent;

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task Netlab_nc_talks_to_the_agent_and_exits_when_it_closes()
    {
        // stdin stays open: the agent closing the connection after q ends netlab nc.
        await using var nc = Netlab.Start("nc", "127.0.0.1", Agent.Port.ToString());
        await nc.WaitForOutputAsync("Successfully Connected");
        await nc.WriteAsync("hello\nq\n");
        await nc.WaitForExitAsync(10);
        nc.AssertExit(0);
        Assert.EndsWith("What?\r\nBye!\r\n", nc.Stdout);
    }

    [Fact]
    public async Task Stdin_EOF_half_closes_and_the_answer_still_arrives()
    {
        var nc = await RunNetlabAsync(["nc", "127.0.0.1", Agent.Port.ToString()], "GET /index/Adam HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        nc.AssertExit(0);
        Assert.StartsWith("HTTP/1.1 200 OK", nc.Stdout);
        Assert.Contains("Hello, Adam!", nc.Stdout);
    }

    [Fact]
    public async Task Netlab_nc_connects_to_ncat_listening()
    {
        var port = Netlab.FreePort();
        await using var ncat = Tool.Start("ncat", "-l", "127.0.0.1", port.ToString());
        await WaitForTcpAsync(port);
        var nc = await RunNetlabAsync(["nc", "127.0.0.1", port.ToString()], "from netlab to ncat\n"u8.ToArray());
        nc.AssertExit(0);
        await ncat.WaitForExitAsync(10);
        Assert.Equal("from netlab to ncat\n", ncat.Stdout);
    }

    [Fact]
    public async Task Nc_connects_to_netlab_nc_listening_and_both_directions_flow()
    {
        var port = Netlab.FreePort();
        await using var listener = Netlab.Start("nc", "-l", "-v", "127.0.0.1", port.ToString());
        await WaitForTcpAsync(port);
        // -N: netcat-openbsd half-closes on stdin EOF only when asked.
        await using var nc = Tool.Start("nc", "-N", "127.0.0.1", port.ToString());
        await nc.WriteAsync("from nc\n");
        await listener.WaitForOutputAsync("from nc\n");
        await listener.WriteAsync("from netlab\n");
        await nc.WaitForOutputAsync("from netlab\n");
        nc.CloseStdin();
        await listener.WaitForExitAsync(10);
        Assert.Contains($"Listening on", listener.Stderr);
    }

    [Fact]
    public async Task Keep_open_accepts_one_connection_after_another()
    {
        var port = Netlab.FreePort();
        await using var listener = Netlab.Start("nc", "-l", "-k", "--recv-only", "127.0.0.1", port.ToString());
        await WaitForTcpAsync(port);
        foreach (var line in new[] { "first client\n", "second client\n" })
        {
            var nc = await Tool.ShellAsync($"printf '{line.TrimEnd()}\\n' | nc -N 127.0.0.1 {port}");
            nc.AssertExit(0);
            await listener.WaitForOutputAsync(line);
        }

        Assert.False(listener.HasExited);
    }

    [Fact]
    public async Task Keep_open_gives_a_line_typed_after_a_client_left_to_the_next_client()
    {
        var port = Netlab.FreePort();
        await using var listener = Netlab.Start("nc", "-l", "-k", "127.0.0.1", port.ToString());
        await WaitForTcpAsync(port);

        await using (var first = Tool.Start("nc", "-N", "127.0.0.1", port.ToString()))
        {
            await listener.WriteAsync("to the first\n");
            await first.WaitForOutputAsync("to the first\n");
            first.CloseStdin(); // the first client leaves while netlab waits for its next line
            await first.WaitForExitAsync(10);
        }

        await listener.WriteAsync("to the second\n");
        await using var second = Tool.Start("nc", "-N", "127.0.0.1", port.ToString());
        await second.WaitForOutputAsync("to the second\n");
        await listener.WriteAsync("and more\n");
        await second.WaitForOutputAsync("and more\n");
        Assert.Equal("to the second\nand more\n", second.Stdout);
        Assert.False(listener.HasExited);
    }

    [Fact]
    public async Task Netlab_nc_ssl_talks_to_ncat_ssl_listening()
    {
        var port = Netlab.FreePort();
        await using var ncat = Tool.Start("ncat", "--ssl", "-l", "127.0.0.1", port.ToString());
        await WaitForTcpAsync(port);
        var nc = await RunNetlabAsync(["nc", "--ssl", "127.0.0.1", port.ToString()], "secret line\n"u8.ToArray());
        nc.AssertExit(0);
        await ncat.WaitForExitAsync(10);
        Assert.Equal("secret line\n", ncat.Stdout);
    }

    [Fact]
    public async Task Ncat_ssl_talks_to_netlab_nc_listening_with_ssl()
    {
        var port = Netlab.FreePort();
        await using var listener = Netlab.Start("nc", "-l", "--ssl", "-v", "127.0.0.1", port.ToString());
        await WaitForTcpAsync(port);
        var ncat = await Tool.RunAsync("ncat", ["--ssl", "127.0.0.1", port.ToString()], "over TLS to netlab\n"u8.ToArray());
        ncat.AssertExit(0);
        await listener.WaitForExitAsync(10);
        Assert.Equal("over TLS to netlab\n", listener.Stdout);
        Assert.Matches("TLS certificate SHA-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}", listener.Stderr);
    }

    [Fact]
    public async Task Ssl_with_C_gets_the_agent_text_session()
    {
        await using var nc = Netlab.Start("nc", "-C", "--ssl", "127.0.0.1", Agent.Port.ToString());
        await nc.WaitForOutputAsync("over TLS");
        await nc.WriteAsync("hi\n/whoami\nq\n");
        await nc.WaitForExitAsync(10);
        Assert.Contains("What?\r\n", nc.Stdout);
        Assert.Contains("as the agent sees you", nc.Stdout);
    }

    [Fact]
    public async Task Udp_lines_echo_back_from_the_agent()
    {
        var nc = await RunNetlabAsync(["nc", "-u", "127.0.0.1", Agent.Port.ToString()], "one\ntwo\n"u8.ToArray());
        nc.AssertExit(0);
        Assert.Equal("one\ntwo\n", nc.Stdout);
    }

    [Fact]
    public async Task Nc_u_talks_to_netlab_nc_listening_on_udp()
    {
        var port = Netlab.FreePort(System.Net.Sockets.SocketType.Dgram);
        await using var listener = Netlab.Start("nc", "-l", "-u", "-v", "127.0.0.1", port.ToString());
        await listener.WaitForStderrAsync("Listening on");
        await using var nc = Tool.Start("nc", "-u", "127.0.0.1", port.ToString());
        await nc.WriteAsync("datagram to netlab\n");
        await listener.WaitForOutputAsync("datagram to netlab\n");
        await listener.WriteAsync("reply to nc\n");
        await nc.WaitForOutputAsync("reply to nc\n");
    }

    [Fact]
    public async Task A_64_MiB_send_only_to_ncat_arrives_byte_identical()
    {
        var (input, sha) = _scratch.RandomFile("big.bin", 64 << 20, seed: 64);
        var output = Path.Combine(_scratch.Path, "received.bin");
        var port = Netlab.FreePort();
        await using var ncat = Tool.Start("bash", "-c", $"ncat -l 127.0.0.1 {port} > '{output}'");
        await WaitForTcpAsync(port);
        var send = await Tool.ShellAsync($"dotnet '{Path.Combine(AppContext.BaseDirectory, "netlab.dll")}' nc --send-only 127.0.0.1 {port} < '{input}'", 120);
        send.AssertExit(0);
        await ncat.WaitForExitAsync(60);
        Assert.Equal(sha, Hash(output));
    }

    [Fact]
    public async Task A_64_MiB_ncat_send_only_into_netlab_nc_recv_only_arrives_byte_identical()
    {
        var (input, sha) = _scratch.RandomFile("big2.bin", 64 << 20, seed: 65);
        var output = Path.Combine(_scratch.Path, "received2.bin");
        var port = Netlab.FreePort();
        await using var listener = Tool.Start("bash", "-c", $"dotnet '{Path.Combine(AppContext.BaseDirectory, "netlab.dll")}' nc -l --recv-only 127.0.0.1 {port} > '{output}'");
        await WaitForTcpAsync(port);
        var send = await Tool.ShellAsync($"ncat --send-only 127.0.0.1 {port} < '{input}'", 120);
        send.AssertExit(0);
        await listener.WaitForExitAsync(60);
        Assert.Equal(sha, Hash(output));
    }

    [Fact]
    public async Task Send_only_into_the_agent_recv_is_stored_and_hashes_match()
    {
        var (input, sha) = _scratch.RandomFile("tofile.bin", 2_000_000, seed: 7);
        await using var session = Tool.Start("nc", "127.0.0.1", Agent.Port.ToString());
        await session.WaitForOutputAsync("q to quit.");
        await session.WriteAsync("/recv via-netlab\n");
        await session.WaitForOutputAsync("OK armed");
        var send = await Tool.ShellAsync($"dotnet '{Path.Combine(AppContext.BaseDirectory, "netlab.dll")}' nc --send-only 127.0.0.1 {Agent.Port} < '{input}'");
        send.AssertExit(0);
        await session.WaitForOutputAsync($"sha256 {sha}");
    }

    [Fact]
    public async Task Json_summary_goes_to_stderr_and_stdout_stays_data()
    {
        var nc = await RunNetlabAsync(["nc", "--json", "127.0.0.1", Agent.Port.ToString()], "q\n"u8.ToArray());
        Assert.StartsWith("Successfully Connected", nc.Stdout);
        var summary = System.Text.Json.JsonDocument.Parse(nc.Stderr.Trim()).RootElement;
        Assert.Equal("netlab.nc/1", summary.GetProperty("schema").GetString());
        Assert.Equal(2, summary.GetProperty("sent").GetInt64());
        Assert.Equal(Encoding.UTF8.GetByteCount(nc.Stdout), summary.GetProperty("received").GetInt64());
    }

    [Theory]
    [InlineData(new[] { "nc", "127.0.0.1" }, "connect needs HOST and PORT")]
    [InlineData(new[] { "nc", "127.0.0.1", "http" }, "'http' is not a port")]
    [InlineData(new[] { "nc", "--send-only", "--recv-only", "127.0.0.1", "1" }, "would move nothing")]
    [InlineData(new[] { "nc", "-u", "--ssl", "127.0.0.1", "1" }, "does not go with -u")]
    public async Task Usage_errors_exit_2_with_a_reason(string[] args, string message)
    {
        var run = await Netlab.RunAsync(args);
        run.AssertExit(2);
        Assert.Contains(message, run.Error);
    }

    [Fact]
    public async Task Connection_refused_is_exit_2_with_a_message()
    {
        var port = Netlab.FreePort();
        var nc = await RunNetlabAsync(["nc", "127.0.0.1", port.ToString()], []);
        nc.AssertExit(2);
        Assert.Equal($"netlab nc: connect to 127.0.0.1:{port}: Connection refused.", nc.Stderr.Trim());

        // ncat's words, the address as typed: not .NET's "[::ffff:127.0.0.1]:port" after them, no firewall blamed.
        var tls = await RunNetlabAsync(["nc", "--ssl", "localhost", port.ToString()], []);
        tls.AssertExit(2);
        Assert.Equal($"netlab nc: connect to localhost:{port}: Connection refused.", tls.Stderr.Trim());
    }

    [Theory]
    [InlineData("2")]
    [InlineData("0.5")]
    [InlineData("2s")]
    [InlineData("500ms")]
    public async Task Wait_takes_plain_seconds_like_nc_and_units_too(string wait)
    {
        var nc = await RunNetlabAsync(["nc", "-w", wait, "127.0.0.1", Agent.Port.ToString()], "/whoami\nq\n"u8.ToArray());
        nc.AssertExit(0);
        Assert.Contains("as the agent sees you", nc.Stdout);
        Assert.EndsWith("Bye!\r\n", nc.Stdout);
    }

    [Fact]
    public async Task Interval_pauses_after_each_line_sent_like_nc_i()
    {
        var port = Netlab.FreePort();
        await using var ncat = Tool.Start("ncat", "-l", "127.0.0.1", port.ToString());
        await WaitForTcpAsync(port);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var nc = await RunNetlabAsync(["nc", "-i", "0.4", "127.0.0.1", port.ToString()], "one\ntwo\nthree\n"u8.ToArray());
        nc.AssertExit(0);
        await ncat.WaitForExitAsync(10);
        Assert.Equal("one\ntwo\nthree\n", ncat.Stdout);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.2), $"three lines with -i 0.4 took {clock.Elapsed.TotalSeconds:F2} s");
    }

    [Fact]
    public async Task A_plain_client_to_a_tls_listener_is_told_in_ncat_s_words()
    {
        var port = Netlab.FreePort();
        await using var listener = Netlab.Start("nc", "-l", "--ssl", "127.0.0.1", port.ToString());
        await WaitForTcpAsync(port);
        var plain = await Tool.ShellAsync($"echo 'hello, this is not TLS' | nc -N 127.0.0.1 {port}");
        await listener.WaitForExitAsync(10);
        listener.AssertExit(2);
        Assert.Contains("netlab nc: Failed SSL connection from 127.0.0.1: wrong version number", listener.Stderr);
        Assert.DoesNotContain("frame", listener.Stderr);
    }

    [Fact]
    public async Task A_tls_client_to_a_plain_server_is_told_in_openssl_s_words()
    {
        var port = Netlab.FreePort();
        await using var server = Tool.Start("bash", "-c", $"echo 'a plain banner, not TLS' | ncat -l 127.0.0.1 {port}");
        await WaitForTcpAsync(port);
        var nc = await RunNetlabAsync(["nc", "--ssl", "127.0.0.1", port.ToString()], []);
        nc.AssertExit(2);
        Assert.Contains($"netlab nc: Failed SSL connection to 127.0.0.1:{port}: wrong version number (the other side does not speak TLS; it said \"a plain banner, not TLS\").", nc.Stderr);
    }

    [Fact]
    public async Task Verbose_names_addresses_as_written_and_tls_by_its_version()
    {
        var tls = await RunNetlabAsync(["nc", "-v", "--ssl", "127.0.0.1", Agent.Port.ToString()], "q\n"u8.ToArray());
        tls.AssertExit(0);
        Assert.Contains($"netlab nc: Connected to 127.0.0.1:{Agent.Port}.", tls.Stderr);
        Assert.Matches("netlab nc: TLS 1\\.[23], TLS_", tls.Stderr);

        var named = await RunNetlabAsync(["nc", "-v", "localhost", Agent.Port.ToString()], "q\n"u8.ToArray());
        Assert.Contains($"netlab nc: Connected to localhost:{Agent.Port} (", named.Stderr);

        var port = Netlab.FreePort();
        await using var listener = Netlab.Start("nc", "-l", "-v", port.ToString());
        await WaitForTcpAsync(port);
        var nc = await Tool.ShellAsync($"echo hi | nc -N 127.0.0.1 {port}");
        await listener.WaitForExitAsync(10);
        Assert.Contains($"Listening on [::]:{port} and 0.0.0.0:{port}", listener.Stderr);
        Assert.Matches("Connection from 127\\.0\\.0\\.1:\\d+\\.", listener.Stderr);
        foreach (var stderr in new[] { tls.Stderr, named.Stderr, listener.Stderr })
        {
            Assert.DoesNotContain("::ffff:", stderr);
            Assert.DoesNotContain("Tls13", stderr);
        }
    }

    private static async Task<Tool> RunNetlabAsync(string[] args, byte[] stdin)
    {
        var tool = Netlab.Start(args);
        await tool.WriteAsync(stdin);
        tool.CloseStdin();
        await tool.WaitForExitAsync(30);
        return tool;
    }

    private static async Task WaitForTcpAsync(int port)
    {
        for (var i = 0; i < 200; i++)
        {
            var listening = await Tool.ShellAsync($"ss -ltnH 'sport = :{port}'");
            if (listening.Stdout.Contains($":{port}"))
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"nothing listened on {port}");
    }

    private static string Hash(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }
}
