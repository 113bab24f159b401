using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using NetLab.Agent.Hosting;
using NetLab.Testing;

namespace NetLab.Agent.Tests.Hosting;

/// <summary><c>netlab-agent listen</c> on loopback: its mistakes, and one wait per address (the bridge itself: ListenBridgeTests).</summary>
public class ListenCommandTests
{
    [Theory]
    [InlineData("203.0.113.9 50022 22", "203.0.113.9")]
    [InlineData("2001:db8::7 50022 22", "2001:db8::7")]
    [InlineData("", null)]
    [InlineData(null, null)]
    [InlineData("not-an-address 1 22", null)]
    public void The_address_to_wait_for_is_the_ssh_client_s_own(string? sshClient, string? expected) =>
        Assert.Equal(expected, ListenCommand.FromSshClient(sshClient)?.ToString());

    [Fact]
    public async Task Without_ssh_and_without_from_it_says_what_to_pass_and_exits_2()
    {
        var (code, stdout, stderr) = await RunAsync(from: null, FreePort(), TimeSpan.FromSeconds(10));
        Assert.Equal(ListenCommand.Usage, code);
        Assert.Contains("$SSH_CLIENT is not set", stderr);
        Assert.Contains("--from ADDRESS", stderr);
        Assert.Empty(stdout);
    }

    [Fact]
    public async Task Without_the_agent_it_says_how_to_start_it_or_do_without_it_and_exits_1()
    {
        var port = FreePort();
        var (code, _, stderr) = await RunAsync(IPAddress.Parse("203.0.113.9"), port, TimeSpan.FromSeconds(10));
        Assert.Equal(ListenCommand.Failed, code);
        Assert.Contains($"the agent does not answer on 127.0.0.1:{port} (ConnectionRefused)", stderr);
        Assert.Contains($"sudo systemctl stop netlab-agent; nc -l {port}", stderr);
    }

    [Fact]
    public async Task A_second_terminal_waiting_for_the_same_address_is_refused_and_the_first_gets_the_connection()
    {
        await using var agent = await TestAgent.StartAsync(sniffTimeout: TimeSpan.FromMilliseconds(300));
        var stdin = new Pipe();
        var stdout = new Pipe();
        var stderr = new StringWriter();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var first = ListenCommand.RunAsync(IPAddress.Loopback, agent.Port, null, stdin.Reader.AsStream(), stdout.Writer.AsStream(), TextWriter.Synchronized(stderr), stop.Token);
        await Eventually.UntilAsync(() => agent.Host.Lab.Listens.Count == 1, "the first terminal's wait");

        var (code, _, refused) = await RunAsync(IPAddress.Loopback, agent.Port, TimeSpan.FromSeconds(10));
        Assert.Equal(ListenCommand.Failed, code);
        Assert.Contains("another netlab-agent listen (from 127.0.0.1:", refused);
        Assert.Contains("is already waiting for 127.0.0.1", refused);

        // The next plain connection from that address (silent, then typing) is the first terminal's.
        await using (var client = await RawClient.ConnectAsync(agent.Port))
        {
            await Task.Delay(600); // past the sniff window: a silent nc
            await client.SendAsync("typed on the laptop\n");
            var read = await stdout.Reader.ReadAtLeastAsync("typed on the laptop\n".Length, stop.Token);
            Assert.Equal("typed on the laptop\n", Encoding.ASCII.GetString(read.Buffer));
            stdout.Reader.AdvanceTo(read.Buffer.End);
            await stdin.Writer.WriteAsync("typed on the host\n"u8.ToArray(), stop.Token);
            Assert.Equal("typed on the host\n", await client.ReadUntilAsync("\n"));
        }

        Assert.Equal(0, await first.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("connection from 127.0.0.1:", stderr.ToString());
        await Eventually.UntilAsync(() => agent.Host.Lab.Listens.Count == 0, "the wait to be removed");
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(IPAddress? from, int port, TimeSpan timeout)
    {
        var stdout = new MemoryStream();
        var stderr = new StringWriter();
        using var stop = new CancellationTokenSource(timeout);
        var code = await ListenCommand.RunAsync(from, port, sshClient: null, Stream.Null, stdout, stderr, stop.Token).WaitAsync(timeout);
        return (code, Encoding.UTF8.GetString(stdout.ToArray()), stderr.ToString());
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
