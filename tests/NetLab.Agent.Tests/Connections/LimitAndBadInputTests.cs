using System.Net.Sockets;
using NetLab.Testing;

namespace NetLab.Agent.Tests.Connections;

/// <summary>Limits and garbage: each gets a clear error line, and the agent keeps serving.</summary>
public class LimitAndBadInputTests : IAsyncLifetime
{
    private TestAgent _agent = null!;

    public async Task InitializeAsync() =>
        _agent = await TestAgent.StartAsync(l => l with { MaxConnectionsPerAddress = 64, IdleTimeout = TimeSpan.FromSeconds(1) });

    public async Task DisposeAsync() => await _agent.DisposeAsync();

    [Fact]
    public async Task Ten_thousand_random_byte_connections_leave_the_agent_serving()
    {
        const int connections = 10_000;
        var random = new Random(11211);
        var payloads = Enumerable.Range(0, connections).Select(_ =>
        {
            var bytes = new byte[random.Next(1, 2048)];
            random.NextBytes(bytes);
            return bytes;
        }).ToArray();

        var next = -1;
        var answered = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var workers = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < connections)
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(System.Net.IPAddress.Loopback, _agent.Port, deadline.Token);
                await socket.SendAsync(payloads[i], deadline.Token);
                socket.Shutdown(SocketShutdown.Send);
                var buffer = new byte[4096];
                var got = 0;
                try
                {
                    int n;
                    while ((n = await socket.ReceiveAsync(buffer, deadline.Token)) > 0)
                    {
                        got += n;
                    }
                }
                catch (SocketException)
                {
                    // A TLS-looking payload fails its handshake: a reset is the right answer to garbage.
                }

                if (got > 0)
                {
                    Interlocked.Increment(ref answered);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);

        // Nearly every random payload is text: the agent answered it (banner, What?) and closed after our EOF.
        Assert.True(answered > connections * 0.95, $"only {answered} of {connections} connections got an answer");
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task A_1_MiB_line_without_newline_gets_line_too_long_and_the_agent_keeps_serving()
    {
        await using var client = await RawClient.ConnectAsync(_agent.Port);
        var line = new byte[1 << 20];
        Array.Fill(line, (byte)'a');
        var sending = client.SendAsync(line);
        var received = await client.ReadUntilAsync("ERROR line too long");
        await sending;
        Assert.Contains("the limit is 8192", received);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task An_idle_session_is_closed_with_a_reason()
    {
        await using var client = await RawClient.ConnectAsync(_agent.Port);
        var all = await client.ReadToEndAsync(timeoutSeconds: 10);
        Assert.Contains("Successfully Connected", all);
        Assert.Contains("ERROR idle for 1 s without a whole line (the idle timeout); closing", all);
    }

    private async Task AssertStillServingAsync(TestAgent? agent = null)
    {
        agent ??= _agent;
        var nc = await Tool.RunAsync("nc", ["-q2", agent.Address, agent.Port.ToString()], "still there?\nq\n"u8.ToArray());
        Assert.StartsWith("Successfully Connected\r\n", nc.Stdout);
        Assert.Contains("What?", nc.Stdout);
        var health = await Curl.GetAsync($"{agent.HttpUrl}/health");
        Assert.Equal(200, health.Status);
    }
}
