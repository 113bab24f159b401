using System.Net;
using System.Net.Sockets;
using System.Text;
using NetLab.Cli.Wire;
using NetLab.Testing;
using NetLab.Wire;

namespace NetLab.Cli.Tests.Wire;

public class WireViewTests
{
    private static readonly IPEndPoint Host = new(IPAddress.Parse("10.0.0.5"), 11211);
    private static readonly DateTime Start = new(2026, 12, 4, 12, 0, 0, DateTimeKind.Utc);

    private static WireFlow Connection(IPEndPoint client) => Assert.Single(WireFlow.Group(new Packets(client, Host, Start)
        .Tcp(0, true, TcpControlBits.Syn).Tcp(1, false, TcpControlBits.Syn | TcpControlBits.Ack).Tcp(2, true, TcpControlBits.Ack).All, [Host.Port]));

    [Fact]
    public void A_rewritten_address_and_port_are_named_as_the_issue_words_it()
    {
        var flow = Connection(new IPEndPoint(IPAddress.Parse("203.0.113.9"), 61234));
        var view = WireView.Build([flow], [(WireProtocol.Tcp, new IPEndPoint(IPAddress.Parse("192.168.1.23"), 53164))], WireVantage.Host);
        Assert.StartsWith("your router rewrote 192.168.1.23:53164 into 203.0.113.9:61234", view.Rewrite(flow), StringComparison.Ordinal);
        var json = Assert.Single(view.Connections());
        Assert.True(json.Rewritten);
        Assert.Equal("192.168.1.23:53164", json.You);
        Assert.Equal("203.0.113.9:61234", json.HostSaw);
        Assert.Equal(1, json.HandshakeMs);
    }

    [Fact]
    public void A_direct_path_is_not_rewritten_and_kept_ports_pair_first()
    {
        var a = Connection(new IPEndPoint(IPAddress.Loopback, 40001));
        var b = Connection(new IPEndPoint(IPAddress.Loopback, 40002));
        // The sockets listed in the other order: pairing is by port where the port was kept.
        var view = WireView.Build([a, b], [(WireProtocol.Tcp, new IPEndPoint(IPAddress.Loopback, 40002)), (WireProtocol.Tcp, new IPEndPoint(IPAddress.Loopback, 40001))], WireVantage.Host);
        Assert.StartsWith("not rewritten: the lab host saw your own 127.0.0.1:40001", view.Rewrite(a), StringComparison.Ordinal);
        Assert.StartsWith("not rewritten: the lab host saw your own 127.0.0.1:40002", view.Rewrite(b), StringComparison.Ordinal);
        Assert.All(view.Connections(), c => Assert.False(c.Rewritten));
    }

    [Fact]
    public void A_connection_without_a_socket_of_ours_has_no_nat_line()
    {
        var flow = Connection(new IPEndPoint(IPAddress.Parse("203.0.113.9"), 61234));
        var view = WireView.Build([flow], [], WireVantage.Host);
        Assert.Null(view.Rewrite(flow));
        Assert.DoesNotContain(view.Lines(), l => l.Contains("rewrote", StringComparison.Ordinal));
        Assert.Null(Assert.Single(view.Connections()).Rewritten);
    }

    [Theory]
    [InlineData(404, "Not Found", null)]
    [InlineData(503, "Service Unavailable", "the lab host cannot record packets (capture is off: needs CAP_NET_RAW), so there are no ladders in this run")]
    public async Task An_older_agent_is_skipped_quietly_and_one_that_cannot_capture_says_so_once(int status, string reason, string? said)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var requests = 0;
        var serving = Task.Run(async () =>
        {
            for (var i = 0; i < 3; i++)
            {
                using var client = await listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(10));
                var stream = client.GetStream();
                var buffer = new byte[4096];
                _ = await stream.ReadAsync(buffer);
                Interlocked.Increment(ref requests);
                var body = status == 503 ? "capture is off: needs CAP_NET_RAW\n" : "not found\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status} {reason}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"));
            }
        });

        var capture = new AgentCapture("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port);
        Assert.Equal(said, await capture.StartAsync(CancellationToken.None));
        Assert.Empty(await capture.NextAsync(CancellationToken.None)); // and no second fetch: it knows
        Assert.Equal(1, Volatile.Read(ref requests));
        listener.Stop();
        await Assert.ThrowsAnyAsync<Exception>(() => serving);
    }
}
