using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using NetLab.Testing;
using NetLab.Cli.Tests.Support;

namespace NetLab.Cli.Tests.Lab;

/// <summary>Pointed at something that is not a netlab-agent, netlab connect says so exactly, in seconds, and stops.</summary>
public class AgentProbeTests
{
    [Fact]
    public async Task A_silent_listener_is_named_within_seconds_with_exit_1()
    {
        var port = Netlab.FreePort();
        await using var silent = Tool.Start("ncat", "-l", "-k", "127.0.0.1", port.ToString());
        await WaitListeningAsync(port);
        var run = await TimedConnectAsync(port);
        Assert.Contains($"connected to 127.0.0.1:{port}, but this is not a netlab-agent: no banner, and no answer at all (a silent listener", run.Error);
    }

    [Fact]
    public async Task An_agent_that_refuses_the_address_for_now_is_named_as_an_agent_with_its_reason_whole()
    {
        // What a netlab-agent says instead of its banner to an address deep in its egress debt (ClassroomTests meets it for real).
        const string Refusal = "ERROR over the egress budget: the agent has sent 127.0.0.1 all it may for now: your address used its hourly egress budget (256 MiB); " +
            "try again in 33 s, or ask for less; a class behind one address? deploy with `netlab up --cidr <campus network>`";
        var port = Netlab.FreePort();
        await using var refusing = Tool.Start("ncat", "-l", "-k", "--sh-exec", $"echo '{Refusal}'", "127.0.0.1", port.ToString());
        await WaitListeningAsync(port);
        var run = await TimedConnectAsync(port);
        // As one line, however it wrapped; the command in it is shown as a command (no backticks).
        var said = System.Text.RegularExpressions.Regex.Replace(run.Error, @"\s+", " ");
        Assert.Contains($"127.0.0.1:{port} is a netlab-agent, but it refuses your address for now: {Refusal.Replace("`", "", StringComparison.Ordinal)}", said);
        Assert.DoesNotContain("not a netlab-agent", run.Error);
    }

    [Fact]
    public async Task An_echo_server_is_named_as_one()
    {
        var port = Netlab.FreePort();
        await using var echo = Tool.Start("ncat", "-l", "-k", "--exec", "/bin/cat", "127.0.0.1", port.ToString());
        await WaitListeningAsync(port);
        var run = await TimedConnectAsync(port);
        Assert.Contains("but this is not a netlab-agent: no banner, and it sends back what it is sent (an echo server)", run.Error);
    }

    [Fact]
    public async Task A_web_server_is_named_as_one()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var web = builder.Build();
        web.MapGet("/", () => "a web server, not the agent");
        await web.StartAsync();
        var port = new Uri(web.Urls.First()).Port;

        var run = await TimedConnectAsync(port);
        Assert.Contains("but this is not a netlab-agent: no banner, and it answers in HTTP (\"HTTP/1.1 400 Bad Request\"): a web server", run.Error);
        var json = await Netlab.RunAsync("connect", "127.0.0.1", "--port", port.ToString(), "--json");
        json.AssertExit(1);
        Assert.Equal("netlab.error/1", json.Json.GetProperty("schema").GetString());
    }

    private static async Task<NetlabRun> TimedConnectAsync(int port)
    {
        var clock = Stopwatch.StartNew();
        var run = await Netlab.RunAsync("connect", "127.0.0.1", "--port", port.ToString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed.TotalSeconds:F1} s");
        run.AssertExit(1);
        Assert.DoesNotContain("exercises against", run.Out); // it stopped early: no exercise ran
        return run;
    }

    private static async Task WaitListeningAsync(int port)
    {
        for (var i = 0; i < 100; i++)
        {
            var ss = await Tool.RunAsync("ss", ["-ltnH", $"sport = :{port}"]);
            if (ss.Stdout.Contains($":{port}", StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"nothing listened on {port}");
    }
}
