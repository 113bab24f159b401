using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using NetLab.Testing;

namespace NetLab.Agent.Tests.Capture;

/// <summary>An agent that may not capture says so, once at start and at /capture, and everything else works.</summary>
[Trait("Loop", "Slow")] // starts netlab-agent processes
public sealed partial class CaptureOffTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("netlab-capture-off-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task Without_CAP_NET_RAW_capture_is_off_and_said_so_and_the_rest_works()
    {
        // Even as root: no CAP_NET_RAW in the bounding set, none inheritable, so the agent's process has none.
        await using var agent = Tool.Start("setpriv", ["--bounding-set=-net_raw", "--inh-caps=-net_raw", "dotnet", AgentProcess.Dll,
            "--bind", "127.0.0.1", "--port", "0", "--data-dir", _dataDir]);
        await agent.WaitForOutputAsync(AgentProcess.ReadyBlockEnd, timeoutSeconds: 30);
        await agent.WaitForOutputAsync("capture is off: needs CAP_NET_RAW");
        Assert.Single(Regex.Matches(agent.Stdout, "capture is (on|off)"));
        var port = int.Parse(Listening().Match(agent.Stdout).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

        var capture = await Curl.GetAsync($"http://127.0.0.1:{port}/capture");
        Assert.Equal(503, capture.Status);
        Assert.Equal("off", capture.Header("X-Netlab-Capture"));
        Assert.Equal("capture is off: needs CAP_NET_RAW\n", capture.Body);

        Assert.Contains("Hello, Adam!", (await Curl.GetAsync($"http://127.0.0.1:{port}/index/Adam")).Body, StringComparison.Ordinal);

        await using (var session = await RawClient.ConnectAsync(port))
        {
            await session.ReadUntilAsync("q to quit.\r\n");
            await session.SendAsync("/wire\nhello\n");
            await session.ReadUntilAsync("capture is off: needs CAP_NET_RAW\r\nWhat?\r\n");
        }

        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        await udp.SendAsync("ping"u8.ToArray(), new IPEndPoint(IPAddress.Loopback, port));
        Assert.Equal("ping", Encoding.ASCII.GetString((await udp.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(10))).Buffer));
    }

    [Fact]
    public async Task Capture_off_is_an_operators_choice_said_at_start()
    {
        var (agent, port) = await AgentProcess.StartOnLoopbackAsync(_dataDir, "--capture", "off");
        await using var _ = agent;
        await agent.WaitForOutputAsync("capture is off: turned off by the operator (--capture off)");
        var capture = await Curl.GetAsync($"http://127.0.0.1:{port}/capture");
        Assert.Equal(503, capture.Status);
        Assert.Equal("off", capture.Header("X-Netlab-Capture"));
    }

    [GeneratedRegex(@"listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex Listening();
}
