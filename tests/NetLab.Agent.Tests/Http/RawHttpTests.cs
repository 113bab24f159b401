using NetLab.Testing;

namespace NetLab.Agent.Tests.Http;

/// <summary>HTTP typed by hand: nc with a half-close, telnet after the banner, openssl s_client, ncat --ssl.</summary>
public class RawHttpTests(AgentFixture fixture) : IClassFixture<AgentFixture>
{
    private TestAgent Agent => fixture.Agent;

    [Fact]
    public async Task A_request_piped_into_nc_q1_is_answered_despite_the_half_close()
    {
        var nc = await Tool.ShellAsync($"printf 'GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' | nc -q1 127.0.0.1 {Agent.Port}");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", nc.Stdout);
        Assert.EndsWith("\r\n\r\nHello World!\n", nc.Stdout);
        Assert.DoesNotContain("Successfully Connected", nc.Stdout);
    }

    [Fact]
    public async Task A_PUT_whose_body_and_FIN_arrive_together_is_stored_and_answered()
    {
        // Kestrel alone resets this (a completed read holding the rest of the body is "unexpected end").
        var nc = await Tool.ShellAsync(
            $"printf 'PUT /files/halfclosed HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 11\\r\\n\\r\\nhello world' | nc -N 127.0.0.1 {Agent.Port}");
        Assert.StartsWith("HTTP/1.1 201 Created\r\n", nc.Stdout);
        Assert.Equal("hello world", await File.ReadAllTextAsync(Path.Combine(Agent.FilesDir, "halfclosed")));
    }

    [Fact]
    public async Task Pipelined_requests_before_a_FIN_all_get_answers()
    {
        var nc = await Tool.ShellAsync(
            $"printf 'GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\nGET /index/Adam HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' | nc -N 127.0.0.1 {Agent.Port}");
        Assert.Equal(2, nc.Stdout.Split("HTTP/1.1 200 OK").Length - 1);
        Assert.Contains("Hello, Adam!", nc.Stdout);
    }

    [Fact]
    public async Task Ncat_half_closes_after_a_request_and_still_gets_the_answer()
    {
        var ncat = await Tool.ShellAsync($"printf 'GET /index/Adam HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' | ncat 127.0.0.1 {Agent.Port}");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", ncat.Stdout);
        Assert.Contains("Hello, Adam!", ncat.Stdout);
    }

    [Fact]
    public async Task Telnet_typing_after_the_banner_gets_HTTP_200()
    {
        await using var telnet = Tool.Start("telnet", Agent.Address, Agent.Port.ToString());
        await telnet.WaitForOutputAsync("Successfully Connected");
        await telnet.WaitForOutputAsync("q to quit.");
        await telnet.WriteAsync("GET /index HTTP/1.1\n");
        await telnet.WriteAsync("Host: lab\n");
        await telnet.WriteAsync("\n");
        await telnet.WaitForOutputAsync("</html>");
        var output = telnet.Stdout;
        Assert.True(output.IndexOf("Successfully Connected", StringComparison.Ordinal) < output.IndexOf("HTTP/1.1 200 OK", StringComparison.Ordinal));
        Assert.Contains("<h1>Hello World</h1>", output);
    }

    [Fact]
    public async Task GET_with_HTTPS_1_1_typed_in_telnet_is_400_Bad_Request()
    {
        await using var telnet = Tool.Start("telnet", Agent.Address, Agent.Port.ToString());
        await telnet.WaitForOutputAsync("q to quit.");
        await telnet.WriteAsync("GET / HTTPS/1.1\nHost: lab\n\n");
        await telnet.WaitForOutputAsync("HTTP/1.1 400 Bad Request");
        await telnet.WaitForExitAsync(10);
        Assert.Contains("HTTPS is not a version of HTTP", telnet.Stdout);
    }

    [Fact]
    public async Task HTTPS_1_1_sent_at_once_is_400_too()
    {
        var nc = await Tool.ShellAsync($"printf 'GET / HTTPS/1.1\\r\\nHost: x\\r\\n\\r\\n' | nc -q1 127.0.0.1 {Agent.Port}");
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", nc.Stdout);
    }

    [Fact]
    public async Task Openssl_s_client_gets_the_banner_over_TLS_then_a_typed_GET_works()
    {
        await using var openssl = Tool.Start("openssl", "s_client", "-connect", $"127.0.0.1:{Agent.Port}", "-servername", "localhost");
        await openssl.WaitForOutputAsync("-----BEGIN CERTIFICATE-----");
        await openssl.WaitForOutputAsync("Successfully Connected");
        Assert.Contains("over TLS", openssl.Stdout);
        await openssl.WriteAsync("GET /index/Adam HTTP/1.1\r\nHost: lab\r\n\r\n");
        await openssl.WaitForOutputAsync("Hello, Adam!");
        Assert.Contains("HTTP/1.1 200 OK", openssl.Stdout);
    }

    [Fact]
    public async Task Openssl_s_client_chatter_ends_with_close_notify()
    {
        await using var openssl = Tool.Start("openssl", "s_client", "-connect", $"127.0.0.1:{Agent.Port}");
        await openssl.WaitForOutputAsync("q to quit.");
        await openssl.WriteAsync("hello\n");
        await openssl.WaitForOutputAsync("What?");
        await openssl.WriteAsync("q\n");
        await openssl.WaitForOutputAsync("Bye!");
        await openssl.WaitForExitAsync(10);

        // s_client says "closed" on a TLS close_notify; a bare TCP FIN would be an unexpected EOF error.
        Assert.Contains("closed", openssl.Stdout + openssl.Stderr);
        Assert.DoesNotContain("unexpected eof", openssl.Stdout + openssl.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task HTTP_over_TLS_ends_with_close_notify_too()
    {
        var openssl = await Tool.ShellAsync(
            $"(printf 'GET / HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n'; sleep 2) | openssl s_client -quiet -connect 127.0.0.1:{Agent.Port} 2>&1");
        Assert.Contains("Hello World!", openssl.Stdout);
        Assert.DoesNotContain("unexpected eof", openssl.Stdout, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Ncat_ssl_C_gets_the_text_session()
    {
        await using var ncat = Tool.Start("ncat", "-C", "--ssl", Agent.Address, Agent.Port.ToString());
        await ncat.WaitForOutputAsync("Successfully Connected");
        await ncat.WriteAsync("hello over TLS\n/whoami\n");
        await ncat.WaitForOutputAsync("as the agent sees you");
        Assert.Contains("What?\r\n", ncat.Stdout);
    }

    [Fact]
    public async Task Plain_nc_on_the_TLS_lesson_still_gets_a_text_session()
    {
        // The tutorial's "nc to an ncat --ssl listener fails"; here the agent sniffs and serves both.
        var nc = await Tool.RunAsync("nc", ["-q2", Agent.Address, Agent.Port.ToString()], "hello\nq\n"u8.ToArray());
        Assert.StartsWith("Successfully Connected\r\n", nc.Stdout);
    }
}
