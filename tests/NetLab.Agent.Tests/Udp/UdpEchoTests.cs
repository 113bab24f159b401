using System.Net;
using System.Net.Sockets;
using NetLab.Testing;

namespace NetLab.Agent.Tests.Udp;

/// <summary>UDP on the same port as TCP: every datagram comes back to its sender.</summary>
public class UdpEchoTests(AgentFixture fixture) : IClassFixture<AgentFixture>
{
    private TestAgent Agent => fixture.Agent;

    [Fact]
    public async Task Nc_u_gets_its_line_echoed()
    {
        var nc = await Tool.ShellAsync($"printf 'hello over udp\\n' | nc -u -w1 127.0.0.1 {Agent.Port}");
        Assert.Equal("hello over udp\n", nc.Stdout);
    }

    [Fact]
    public async Task Every_probe_comes_back_unchanged()
    {
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        udp.Connect(IPAddress.Loopback, Agent.Port);
        var sent = new HashSet<string>();
        var received = new HashSet<string>();
        for (var seq = 0; seq < 100; seq++)
        {
            var probe = $"netlab-probe seq={seq} t={DateTime.UtcNow.Ticks}";
            sent.Add(probe);
            await udp.SendAsync(System.Text.Encoding.ASCII.GetBytes(probe));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            var reply = await udp.ReceiveAsync(timeout.Token);
            received.Add(System.Text.Encoding.ASCII.GetString(reply.Buffer));
        }

        Assert.Equal(sent, received);
    }
}
