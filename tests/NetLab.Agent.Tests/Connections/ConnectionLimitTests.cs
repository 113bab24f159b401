using System.Net.Sockets;
using System.Text;
using NetLab.Testing;

namespace NetLab.Agent.Tests.Connections;

/// <summary>The connection limits as the internet meets them: per address, a full table, and loopback, which is never refused.</summary>
[Trait("Loop", "Slow")] // needs root and network namespaces (TestInternet)
public sealed class ConnectionLimitTests : IDisposable
{
    private readonly TestInternet _net = new(clientAddresses: 110);
    private readonly string _dataDir = Directory.CreateTempSubdirectory("netlab-limits-").FullName;

    public void Dispose()
    {
        _net.Dispose();
        Directory.Delete(_dataDir, recursive: true);
    }

    [Fact]
    public async Task Connections_over_the_per_address_limit_are_told_why_and_loopback_is_never_refused()
    {
        await _net.StartAgentAsync(_dataDir, "--max-connections-per-address", "16");
        var clients = new List<Socket>();
        try
        {
            var source = _net.ClientAddresses[0];
            for (var i = 0; i < 16; i++)
            {
                clients.Add(await _net.ConnectAsync(source));
            }

            // Every one of the 16 is a session that answers.
            foreach (var client in clients)
            {
                Assert.StartsWith("Successfully Connected", await ReadUntilAsync(client, "q to quit."));
            }

            using var refused = await _net.ConnectAsync(source);
            Assert.Contains($"ERROR too many connections from {source}: the limit is 16 per address", await ReadToEndAsync(refused));

            // Another address is welcome, and so is the host's own loopback, however many it holds.
            using var other = await _net.ConnectAsync(_net.ClientAddresses[1]);
            Assert.StartsWith("Successfully Connected", await ReadUntilAsync(other, "q to quit."));
            var local = await _net.RunOnHostAsync("bash", ["-c", $"for i in $(seq 40); do (sleep 5 | nc -q1 127.0.0.1 {TestInternet.Port} > /dev/null &) ; done; sleep 1; curl -sS -m 5 http://127.0.0.1:{TestInternet.Port}/health"]);
            local.AssertExit(0);
            Assert.Contains("\"openConnections\"", local.Stdout);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task With_the_table_full_of_100_addresses_a_new_student_is_served_within_a_second()
    {
        var agent = await _net.StartAgentAsync(_dataDir, "--max-connections", "400", "--max-connections-per-address", "8");
        var held = new List<Socket>();
        try
        {
            // 100 addresses each hold all they may (800 wanted, 400 fit): the table fills, then each newcomer makes room.
            foreach (var source in _net.ClientAddresses.Take(100))
            {
                for (var i = 0; i < 8; i++)
                {
                    held.Add(await _net.ConnectAsync(source));
                }
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
            var student = _net.ClientAddresses[100];
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await using var nc = _net.StartClient("nc", "-s", student, _net.HostAddress, $"{TestInternet.Port}");
            await nc.WriteAsync("q\n");
            await nc.WaitForOutputAsync("Bye!\r\n", timeoutSeconds: 5);
            var ncTime = clock.Elapsed; // answered (nc's own -q wait after stdin's end is not the agent's)
            Assert.StartsWith("Successfully Connected", nc.Stdout);

            clock.Restart();
            var curl = await Curl.FromAsync(_net, student, "/index/Adam");
            var curlTime = clock.Elapsed;
            Assert.Equal(200, curl.Status);
            Assert.True(ncTime < TimeSpan.FromSeconds(1) && curlTime < TimeSpan.FromSeconds(1), $"nc {ncTime.TotalMilliseconds:F0} ms, curl {curlTime.TotalMilliseconds:F0} ms");

            var health = await _net.RunOnHostAsync("curl", ["-sS", "-m", "2", $"http://127.0.0.1:{TestInternet.Port}/health"]);
            health.AssertExit(0);
            var figures = System.Text.Json.JsonDocument.Parse(health.Stdout).RootElement;
            Assert.True(figures.GetProperty("shedConnections").GetInt64() > 0);
            Assert.True(figures.GetProperty("openRemoteConnections").GetInt32() <= 402);

            // Those closed to make room were told why.
            var told = 0;
            var buffer = new byte[8192];
            foreach (var socket in held)
            {
                var text = new StringBuilder();
                while (socket.Available > 0)
                {
                    text.Append(Encoding.UTF8.GetString(buffer, 0, socket.Receive(buffer)));
                }

                told += text.ToString().Contains("ERROR the agent is full", StringComparison.Ordinal) ? 1 : 0;
            }

            Assert.True(told > 0, "no connection was told why it was closed");
        }
        finally
        {
            held.ForEach(c => c.Dispose());
        }

        Assert.False(agent.HasExited);
    }

    internal static async Task<string> ReadUntilAsync(Socket socket, string text, int timeoutSeconds = 10)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (!received.ToString().Contains(text, StringComparison.Ordinal))
        {
            var n = await socket.ReceiveAsync(buffer, timeout.Token);
            if (n == 0)
            {
                throw new EndOfStreamException($"closed before \"{text}\"; received: {received}");
            }

            received.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }

        return received.ToString();
    }

    internal static async Task<string> ReadToEndAsync(Socket socket, int timeoutSeconds = 10)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        var received = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, timeout.Token)) > 0)
            {
                received.Append(Encoding.UTF8.GetString(buffer, 0, n));
            }
        }
        catch (SocketException)
        {
            // A reset after the agent closed: what arrived is the answer.
        }

        return received.ToString();
    }
}
