using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using NetLab.Agent;
using NetLab.Testing;
using NetLab.Cli.Tests.Support;

namespace NetLab.Cli.Tests.Commands;

/// <summary>
/// netlab lab --serve: after the report the agent stays up on the printed port, the try-by-hand commands work
/// against it with the real nc and curl, and Ctrl-C ends it. Without --serve the report says how to get one.
/// </summary>
public partial class LabServeTests
{
    [Fact]
    public async Task Serve_keeps_the_agent_on_the_printed_port_for_nc_and_curl_until_ctrl_c()
    {
        var port = Netlab.FreePort();
        await using var lab = Netlab.Start("lab", "--serve", port.ToString(), "--only", "tcp,http");
        await WaitForServingAsync(lab);
        Assert.Equal(port, PrintedPort(lab.Stdout));
        Assert.Contains($"try by hand: nc 127.0.0.1 {port}", lab.Stdout);
        Assert.Contains("2 passed, 0 failed", lab.Stdout);

        await AssertTheCommandsWorkAsync(port);

        // The pages for a browser on a port of their own: the tutorial's 5000, or another one, said so, if it is taken.
        var web = PrintedWebPort(lab.Stdout);
        Assert.True(web == 5000 || lab.Stdout.Contains("port 5000 on 127.0.0.1 is taken", StringComparison.Ordinal), lab.Stdout);
        Assert.Contains($"in a browser: http://127.0.0.1:{web}/index", lab.Stdout); // the http exercise's try-by-hand line names it too
        await AssertTheWebPortServesBrowsersAsync(web);

        await Netlab.InterruptAsync(lab);
        await lab.WaitForExitAsync(20);
        lab.AssertExit(0);
        Assert.Contains("stopped the agent", lab.Stdout);
        await Assert.ThrowsAsync<SocketException>(async () =>
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
        });
    }

    [Fact]
    public async Task Serve_takes_11211_or_says_it_is_taken_and_prints_the_port_it_took_instead()
    {
        // Hold 11211 (or find it held already): the agent must fall back, say so, and name its real port everywhere.
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            holder.Bind(new IPEndPoint(IPAddress.Loopback, LabPorts.Agent));
            holder.Listen();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            // Taken by something else on this machine: the same case.
        }

        await using var lab = Netlab.Start("lab", "--serve", "--only", "tcp", "--json");
        await lab.WaitForStderrAsync("Ctrl-C stops it.", timeoutSeconds: 60);
        Assert.Contains($"port {LabPorts.Agent} on 127.0.0.1 is taken", lab.Stderr);
        var port = PrintedPort(lab.Stderr);
        Assert.NotEqual(LabPorts.Agent, port);

        // --json: stdout is the report alone, naming the port the agent really listens on.
        var report = System.Text.Json.JsonDocument.Parse(lab.Stdout).RootElement;
        Assert.Equal(port, report.GetProperty("port").GetInt32());
        Assert.Equal($"nc 127.0.0.1 {port}", report.GetProperty("exercises")[0].GetProperty("try").GetString());
        await AssertTheCommandsWorkAsync(port);

        await Netlab.InterruptAsync(lab);
        await lab.WaitForExitAsync(20);
        lab.AssertExit(0);
    }

    [Fact]
    public async Task Serve_takes_5000_for_the_browser_or_says_it_is_taken_and_names_the_port_it_took()
    {
        // Hold 5000 ourselves. Another test's lab --serve may hold it a moment (and let it go just as this lab starts):
        // wait for it; only a holder that stays (a Flask app on this machine) is the same case without us.
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        for (var deadline = DateTime.UtcNow.AddSeconds(30); ; await Task.Delay(100))
        {
            try
            {
                holder.Bind(new IPEndPoint(IPAddress.Loopback, 5000));
                holder.Listen();
                break;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse && DateTime.UtcNow < deadline)
            {
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                break;
            }
        }

        await using var lab = Netlab.Start("lab", "--serve", Netlab.FreePort().ToString(), "--only", "tcp");
        await WaitForServingAsync(lab);
        Assert.Contains("port 5000 on 127.0.0.1 is taken (a Flask app, python flaskpage.py?)", lab.Stdout);
        var web = PrintedWebPort(lab.Stdout);
        Assert.NotEqual(5000, web);
        await AssertTheWebPortServesBrowsersAsync(web);
        await Netlab.InterruptAsync(lab);
        await lab.WaitForExitAsync(20);
        lab.AssertExit(0);
    }

    [Fact]
    public async Task A_web_port_given_is_taken_exactly_or_is_a_usage_error()
    {
        var wanted = Netlab.FreePort();
        await using (var lab = Netlab.Start("lab", "--serve", Netlab.FreePort().ToString(), "--web-port", wanted.ToString(), "--only", "tcp"))
        {
            await WaitForServingAsync(lab);
            Assert.Equal(wanted, PrintedWebPort(lab.Stdout));
            await Netlab.InterruptAsync(lab);
            await lab.WaitForExitAsync(20);
            lab.AssertExit(0);
        }

        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var taken = ((IPEndPoint)holder.LocalEndpoint).Port;
        var run = await Netlab.RunAsync("lab", "--serve", Netlab.FreePort().ToString(), "--web-port", taken.ToString(), "--only", "tcp");
        run.AssertExit(2);
        Assert.Contains($"--web-port {taken}: port {taken} on 127.0.0.1 is already in use", run.Error);
    }

    [Fact]
    public async Task Serve_on_a_port_that_is_taken_is_a_usage_error()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var taken = ((IPEndPoint)holder.LocalEndpoint).Port;
        var run = await Netlab.RunAsync("lab", "--serve", taken.ToString(), "--only", "tcp");
        run.AssertExit(2);
        Assert.Contains($"--serve {taken}: port {taken} on 127.0.0.1 is already in use", run.Error);
    }

    [Fact]
    public async Task Without_serve_the_report_says_the_agent_stopped_and_how_to_keep_one()
    {
        using var scratch = new ScratchDir();
        var report = Path.Combine(scratch.Path, "r.md");
        var run = await Netlab.RunAsync("lab", "--only", "tcp", "--report", report);
        run.AssertExit(0);
        Assert.Contains("The agent has stopped; to try the commands by hand against one that keeps running: netlab lab --serve", run.Out);
        Assert.Contains("keep one running: `netlab lab --serve`", await File.ReadAllTextAsync(report));
    }

    /// <summary>The real clients, as the try-by-hand lines have them.</summary>
    private static async Task AssertTheCommandsWorkAsync(int port)
    {
        var nc = await Tool.ShellAsync($"printf 'hello\\nq\\n' | nc -q1 127.0.0.1 {port}");
        nc.AssertExit(0);
        Assert.Contains("Successfully Connected", nc.Stdout);
        Assert.Contains("What?", nc.Stdout);

        var curl = await Tool.RunAsync("curl", ["-s", $"http://127.0.0.1:{port}/index/Adam"]);
        curl.AssertExit(0);
        Assert.Contains("Hello, Adam!", curl.Stdout);

        var udp = await Tool.ShellAsync($"echo 'hello over UDP' | nc -u -w1 127.0.0.1 {port}");
        Assert.Equal("hello over UDP\n", udp.Stdout);
    }

    /// <summary>A browser's way in: the pages answer, and a silent connection (a preconnect) is never given the text banner.</summary>
    private static async Task AssertTheWebPortServesBrowsersAsync(int web)
    {
        var curl = await Tool.RunAsync("curl", ["-s", $"http://127.0.0.1:{web}/index"]);
        curl.AssertExit(0);
        Assert.Contains("Hello World", curl.Stdout);

        using var silent = new TcpClient();
        await silent.ConnectAsync(IPAddress.Loopback, web);
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // past the lab port's sniff window (300 ms)
        Assert.Equal(0, silent.Available);
    }

    /// <summary>
    /// Until lab --serve has said all it says before it waits, its last line (where a browser goes, ending "/index)")
    /// whole: its first line ends "Ctrl-C stops it.", but stdout read then may not hold the two after it yet.
    /// </summary>
    private static Task WaitForServingAsync(Tool lab) => lab.WaitForOutputAsync("/index)\n", timeoutSeconds: 60);

    private static int PrintedWebPort(string output) => int.Parse(InABrowser().Match(output) is { Success: true } m ? m.Groups[1].Value : throw new Xunit.Sdk.XunitException($"no web port printed:\n{output}"));

    [GeneratedRegex(@"in a browser: http://127\.0\.0\.1:(\d+)/index, the pages alone")]
    private static partial Regex InABrowser();

    private static int PrintedPort(string output) => int.Parse(KeepsRunning().Match(output) is { Success: true } m ? m.Groups[1].Value : throw new Xunit.Sdk.XunitException($"no port printed:\n{output}"));

    [GeneratedRegex(@"keeps running on 127\.0\.0\.1:(\d+)")]
    private static partial Regex KeepsRunning();
}
