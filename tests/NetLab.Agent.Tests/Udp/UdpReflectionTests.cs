using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using NetLab.Agent.Internet;
using NetLab.Testing;
using NetLab.Agent.Udp;

namespace NetLab.Agent.Tests.Udp;

/// <summary>UDP 11211 must not be a reflector: a flood from one (possibly spoofed) source gets back only its small share.</summary>
[Trait("Loop", "Slow")] // needs root and network namespaces (TestInternet)
public sealed class UdpReflectionTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("netlab-udp-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task A_ten_second_flood_from_one_source_is_echoed_only_within_its_per_source_limit()
    {
        using var net = new TestInternet(clientAddresses: 2);
        await net.StartAgentAsync(_dataDir); // the defaults: 64 datagrams a second per source, bursts of 5 s
        using var udp = net.Sockets(net.ClientAddresses[0], 1, SocketType.Dgram)[0];
        var agent = new IPEndPoint(IPAddress.Parse(net.HostAddress), TestInternet.Port);
        var datagram = new byte[1400];

        long sent = 0, echoed = 0, echoedBytes = 0;
        using var stop = new CancellationTokenSource();
        var receiving = Task.Run(async () =>
        {
            var buffer = new byte[2048];
            try
            {
                while (true)
                {
                    var n = await udp.ReceiveAsync(buffer, stop.Token);
                    Interlocked.Increment(ref echoed);
                    Interlocked.Add(ref echoedBytes, n);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10) && sent < 5_000_000)
        {
            await udp.SendToAsync(datagram, agent);
            sent++;
        }

        await Task.Delay(TimeSpan.FromSeconds(1)); // the last replies
        await stop.CancelAsync();
        await receiving;

        // 10 s at 64 a second, plus the 5 s burst (320): at most 960, and a few more for timer slack.
        var allowed = 64 * clock.Elapsed.TotalSeconds + 5 * 64 + 16;
        Assert.True(sent > 10 * allowed, $"the flood was too thin to test anything: {sent} datagrams");
        Assert.True(echoed > 0 && echoed <= allowed, $"{echoed} of {sent} datagrams echoed ({echoedBytes} bytes); at most {allowed:F0} allowed");
        Assert.True(echoedBytes <= echoed * datagram.Length);

        var health = JsonDocument.Parse((await net.RunOnHostAsync("curl", ["-sS", $"http://127.0.0.1:{TestInternet.Port}/health"])).Stdout).RootElement;
        Assert.True(health.GetProperty("udp").GetProperty("dropped").GetInt64() > 0); // counted (the kernel may drop more before the agent reads)
    }

    [Fact]
    public void The_total_limit_holds_across_many_sources_and_loopback_is_not_limited()
    {
        var time = new FakeTimeProvider();
        var limiter = new UdpLimiter(new AgentLimits { UdpPerSourcePerSecond = 10, UdpPerSecond = 20 }, time);
        var echoed = 0;
        for (var source = 0; source < 50; source++)
        {
            for (var i = 0; i < 60; i++)
            {
                echoed += limiter.TryEcho(IPAddress.Parse($"198.18.1.{source}")) ? 1 : 0;
            }
        }

        Assert.Equal(100, echoed); // the 5 s burst of the total, 20 a second
        Assert.Equal(50 * 60 - 100, limiter.Dropped);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(limiter.TryEcho(IPAddress.Parse("198.18.2.1")));
        Assert.All(Enumerable.Range(0, 1000), _ => Assert.True(limiter.TryEcho(IPAddress.Loopback)));
    }

    [Theory]
    [InlineData("netlab-udp 17 123456789", true)]
    [InlineData("hello\n", true)]
    [InlineData("what is UDP?\r\n", true)]
    [InlineData("\0\u0001\0\0\0\u0001\0\0stats\r\n", false)] // memcached's UDP frame header, then a command
    [InlineData("stats", false)]
    [InlineData("\n", false)]
    public void Only_probes_and_typed_lines_count_as_lab_use(string datagram, bool labUse) =>
        Assert.Equal(labUse, UdpEchoService.IsLabDatagram(System.Text.Encoding.Latin1.GetBytes(datagram)));
}
