using NetLab.Testing;
using NetLab.Cli.Tests.Support;

namespace NetLab.Cli.Tests.Commands;

/// <summary>Open, closed and filtered, against a test host in a namespace with a real firewall rule.</summary>
[Trait("Loop", "Slow")] // needs root and network namespaces (TestNetwork)
public sealed class PortsCommandTests : IDisposable
{
    private readonly TestNetwork _network = new();

    public void Dispose() => _network.Dispose();

    [Fact]
    public async Task Ports_tells_open_closed_and_filtered_apart()
    {
        var run = await Netlab.RunAsync("ports", _network.PeerAddress, "--ports",
            $"{TestNetwork.OpenPort},{TestNetwork.ClosedPort},{TestNetwork.FilteredPort}", "--timeout", "1", "--json");
        run.AssertExit(0);
        var states = run.Json.GetProperty("ports").EnumerateArray()
            .ToDictionary(p => p.GetProperty("port").GetInt32(), p => p.GetProperty("state").GetString());
        Assert.Equal("open", states[TestNetwork.OpenPort]);
        Assert.Equal("closed", states[TestNetwork.ClosedPort]);
        Assert.Equal("filtered", states[TestNetwork.FilteredPort]);
    }

    [Fact]
    public async Task Ports_prints_a_table_with_service_names()
    {
        var run = await Netlab.RunAsync("ports", _network.PeerAddress, "--ports", $"{TestNetwork.OpenPort},22", "--timeout", "1");
        run.AssertExit(0);
        Assert.Matches(@"8080/tcp\s*│\s*open\s*│\s*http-alt", run.Out);
        Assert.Matches(@"22/tcp\s*│\s*closed\s*│\s*ssh", run.Out);
    }

    [Fact]
    public async Task The_ports_exercise_judges_a_remote_host_s_firewall()
    {
        // An agent on this side of the veth pair: not loopback, so the lab-host rules apply, and this
        // machine runs no sshd on that address: the exercise must say 22 is not open.
        await using var agent = await TestAgent.StartAsync();
        var run = await Netlab.RunAsync("connect", "127.0.0.1", "--port", agent.Port.ToString(), "--only", "ports", "--json");
        run.AssertExit(0);

        await using (var remoteAgent = await TestAgent.StartAsync(bind: System.Net.IPAddress.Parse(_network.HostAddress)))
        {
            var judged = await Netlab.RunAsync("connect", _network.HostAddress, "--port", remoteAgent.Port.ToString(), "--only", "ports", "--json");
            var exercise = Assert.Single(judged.Json.GetProperty("exercises").EnumerateArray());
            Assert.False(exercise.GetProperty("passed").GetBoolean());
            Assert.StartsWith("22/ssh open", exercise.GetProperty("expected").GetString());
        }
    }
}
