using NetLab.Testing;

namespace NetLab.Agent.Tests.Hosting;

/// <summary>
/// <c>--web-port</c>: the lab's HTTP routes alone on a second port, where the client speaks first. A silent connection
/// there is never given the banner (a browser's preconnect is one), and nothing but HTTP is served.
/// </summary>
public class WebPortTests : IAsyncLifetime
{
    private TestAgent _agent = null!;

    public async Task InitializeAsync() => _agent = await TestAgent.StartAsync(webPort: 0);

    public async Task DisposeAsync() => await _agent.DisposeAsync();

    [Fact]
    public async Task The_pages_answer_as_on_the_lab_port()
    {
        foreach (var path in new[] { "/", "/index", "/index/Adam", "/data?format=csv", "/status/418" })
        {
            var web = await Curl.GetAsync(_agent.WebUrl + path);
            var lab = await Curl.GetAsync(_agent.HttpUrl + path);
            Assert.Equal((lab.Status, lab.Body), (web.Status, web.Body));
        }

        var wget = await Tool.RunAsync("wget", ["-qO-", $"{_agent.WebUrl}/index/Adam"]);
        Assert.Contains("<h1>Hello, Adam!</h1>", wget.Stdout);
    }

    [Fact]
    public async Task A_silent_connection_is_never_given_the_banner_and_then_speaks_HTTP()
    {
        await using var client = await RawClient.ConnectAsync(_agent.Host.WebEndpoint!.Port);
        await Task.Delay(TestAgent.DefaultSniffWindow * 2.5); // well past the lab port's sniff window
        Assert.Equal(0, client.Socket.Available);
        await client.SendAsync("GET /index/Adam HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        var response = await client.ReadToEndAsync();
        Assert.StartsWith("HTTP/1.1 200 OK", response);
        Assert.Contains("Hello, Adam!", response);
        Assert.DoesNotContain("Successfully Connected", response);
    }

    [Fact]
    public async Task Text_is_not_a_session_there_but_a_bad_request()
    {
        var nc = await Tool.ShellAsync($"printf 'hello\\n' | nc -q2 127.0.0.1 {_agent.Host.WebEndpoint!.Port}");
        Assert.DoesNotContain("What?", nc.Stdout);
        Assert.StartsWith("HTTP/1.1 400", nc.Stdout);

        // A request from a client that half-closes after it (stdin at its end) is answered all the same.
        var get = await Tool.ShellAsync($"printf 'GET /index/Adam HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' | nc -q1 127.0.0.1 {_agent.Host.WebEndpoint.Port}");
        Assert.Contains("Hello, Adam!", get.Stdout);
    }
}
