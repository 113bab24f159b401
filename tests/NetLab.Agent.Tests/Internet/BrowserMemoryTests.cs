using System.Net;
using Microsoft.Extensions.Time.Testing;
using NetLab.Agent.Internet;
using NetLab.Testing;

namespace NetLab.Agent.Tests.Internet;

/// <summary>
/// Plain HTTP on the lab port from a browser: its address's silent connections wait for their first bytes (a browser's
/// preconnect) instead of getting the banner at the end of the sniff window; a person there is answered at once.
/// </summary>
[Trait("Loop", "Slow")] // a browser (Chromium)
public class BrowserMemoryTests
{
    private const string Chromium = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

    [Fact]
    public async Task After_a_browser_request_a_silent_connection_waits_and_text_typed_is_answered_at_once()
    {
        await using var agent = await TestAgent.StartAsync();
        var page = await Tool.RunAsync("curl", ["-s", "-A", Chromium, $"{agent.HttpUrl}/index"]);
        Assert.Contains("Hello World", page.Stdout);

        await using (var silent = await RawClient.ConnectAsync(agent.Port))
        {
            await Task.Delay(TestAgent.DefaultSniffWindow * 2.5); // past the sniff window: no banner for what may be a browser's socket
            Assert.Equal(0, silent.Socket.Available);

            // A person types: the session starts at once, banner and answer.
            await silent.SendAsync("hello\n");
            var answer = await silent.ReadUntilAsync("What?", timeoutSeconds: 5);
            Assert.Contains("Successfully Connected", answer);
        }

        // Having met a person there, the agent gives the next silent connection the banner within the window again.
        await using var next = await RawClient.ConnectAsync(agent.Port);
        Assert.Contains("Successfully Connected", await next.ReadUntilAsync("Successfully Connected", timeoutSeconds: 5));
    }

    [Fact]
    public async Task Curl_wget_and_netlab_are_not_browsers_and_nc_gets_its_banner_at_once()
    {
        await using var agent = await TestAgent.StartAsync();
        await Curl.GetAsync($"{agent.HttpUrl}/index");
        await Tool.RunAsync("wget", ["-qO-", $"{agent.HttpUrl}/index"]);
        var nc = await Tool.ShellAsync($"sleep 2.5 | nc -q0 127.0.0.1 {agent.Port} | head -1", timeoutSeconds: 10);
        Assert.Equal("Successfully Connected", nc.Stdout.Trim());
        Assert.False(BrowserMemory.IsBrowser("curl/7.88.1"));
        Assert.False(BrowserMemory.IsBrowser("netlab"));
        Assert.True(BrowserMemory.IsBrowser(Chromium));
    }

    [Fact]
    public async Task A_browser_on_the_web_port_or_over_TLS_changes_nothing_on_the_lab_port()
    {
        await using var agent = await TestAgent.StartAsync(webPort: 0);
        await Tool.RunAsync("curl", ["-s", "-A", Chromium, $"{agent.WebUrl}/index"]);
        await Tool.RunAsync("curl", ["-sk", "-A", Chromium, $"{agent.HttpsUrl}/index"]);
        await using var silent = await RawClient.ConnectAsync(agent.Port);
        Assert.Contains("Successfully Connected", await silent.ReadUntilAsync("Successfully Connected", timeoutSeconds: 5));
    }

    [Fact]
    public void The_memory_lasts_a_minute_after_the_last_browser_request_and_forgets_a_person()
    {
        var time = new FakeTimeProvider();
        var memory = new BrowserMemory(TimeSpan.FromSeconds(60), time);
        var student = IPAddress.Parse("198.51.100.7");
        Assert.False(memory.IsBrowsing(student));
        memory.Saw(student);
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.True(memory.IsBrowsing(student));
        memory.Saw(student);
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.True(memory.IsBrowsing(student)); // each request starts the minute again
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(memory.IsBrowsing(student));

        memory.Saw(student);
        memory.Forget(student);
        Assert.False(memory.IsBrowsing(student));
        Assert.False(memory.IsBrowsing(IPAddress.Parse("198.51.100.8")));

        var off = new BrowserMemory(TimeSpan.Zero, time);
        off.Saw(student);
        Assert.False(off.IsBrowsing(student));
    }
}
