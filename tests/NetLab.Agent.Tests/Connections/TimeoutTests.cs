using System.Diagnostics;
using System.Net.Sockets;
using NetLab.Testing;

namespace NetLab.Agent.Tests.Connections;

/// <summary>Every wait has a bound: a client that stops sending or reading is closed, with a reason, not held for ever.</summary>
[Trait("Loop", "Slow")] // waits out real idle and stall timeouts (about 35 s)
public class TimeoutTests : IAsyncLifetime
{
    private TestAgent _agent = null!;

    public async Task InitializeAsync() =>
        _agent = await TestAgent.StartAsync(l => l with { StallTimeout = TimeSpan.FromSeconds(2), IdleTimeout = TimeSpan.FromSeconds(3) });

    public async Task DisposeAsync() => await _agent.DisposeAsync();

    [Fact]
    public async Task Discard_then_silence_is_closed_after_the_stall_timeout()
    {
        await using var client = await RawClient.ConnectAsync(_agent.Port);
        await client.SendAsync("/discard\n" + new string('x', 1000));
        var all = await client.ReadToEndAsync(timeoutSeconds: 10);
        Assert.Contains("ERROR /discard: the client sent nothing for 2 s (the stall timeout); closing after 1000 bytes", all);
    }

    [Theory]
    [InlineData("/source 64M\n")]
    [InlineData("GET /bytes/67108864 HTTP/1.1\r\nHost: x\r\n\r\n")]
    public async Task A_client_that_never_reads_what_it_asked_for_is_closed(string request)
    {
        await using var client = await RawClient.ConnectAsync(_agent.Port);
        await client.SendAsync(request);
        await Task.Delay(TimeSpan.FromSeconds(8)); // reads nothing: the agent gives up on it

        var clock = Stopwatch.StartNew();
        var total = await DrainAsync(client.Socket, TimeSpan.FromSeconds(20));
        Assert.True(total < 64 << 20, $"all {total} bytes arrived: the agent never gave up");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the connection stayed open {clock.Elapsed.TotalSeconds:F1} s after the agent gave up");
    }

    [Fact]
    public async Task A_line_dripped_a_byte_at_a_time_hits_the_idle_timeout()
    {
        await using var client = await RawClient.ConnectAsync(_agent.Port);
        await client.ReadUntilAsync("q to quit.");
        var clock = Stopwatch.StartNew();
        var dripping = Task.Run(async () =>
        {
            for (var i = 0; i < 20 && client.Socket.Connected; i++)
            {
                await Task.Delay(500);
                try
                {
                    await client.SendAsync("x");
                }
                catch (SocketException)
                {
                    return;
                }
            }
        });
        var all = await client.ReadToEndAsync(timeoutSeconds: 10);
        Assert.Contains("ERROR idle for 3 s without a whole line (the idle timeout); closing", all);
        Assert.InRange(clock.Elapsed.TotalSeconds, 2.5, 6);
        await dripping;
    }

    [Fact]
    public async Task A_silent_connection_is_never_an_armed_transfer_and_times_out_as_a_session()
    {
        await using var session = await RawClient.ConnectAsync(_agent.Port);
        await session.ReadUntilAsync("q to quit.");
        await session.SendAsync("/recv later\n");
        await session.ReadUntilAsync("OK armed");

        await using (var silent = await RawClient.ConnectAsync(_agent.Port))
        {
            var reading = silent.ReadToEndAsync(timeoutSeconds: 10);
            for (var i = 0; i < 4; i++)
            {
                await Task.Delay(1000);
                await session.SendAsync("/time\n"); // the arming session is busy; the silent one is not
            }

            var all = await reading;
            Assert.StartsWith("Successfully Connected", all);
            Assert.Contains("ERROR idle for 3 s", all);
        }

        // Still armed: the real sender, which sends at once, is stored.
        await using (var sender = await RawClient.ConnectAsync(_agent.Port))
        {
            await sender.SendAsync("payload bytes");
            sender.Socket.Shutdown(SocketShutdown.Send);
        }

        await session.ReadUntilAsync("received later: 13 bytes");
    }

    [Fact]
    public async Task A_chat_member_that_never_reads_is_closed_and_never_holds_up_the_room()
    {
        // Bob's receive window is small from the start, and he reads nothing.
        using var bob = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await bob.ConnectAsync(System.Net.IPAddress.Loopback, _agent.Port);
        await bob.SendAsync("/join stuck\n"u8.ToArray());
        await Eventually.UntilAsync(() => _agent.Host.Lab.Text.Rooms.Count("stuck") == 1, "bob in the room");

        // Alice speaks at once (no sniff window to wait out): she is in the room well within bob's idle timeout.
        await using var alice = await RawClient.ConnectAsync(_agent.Port);
        await alice.SendAsync("/join stuck\n");
        await alice.ReadUntilAsync("OK joined stuck: 2 here");

        // Alice talks: 4 MB of lines, more than the socket buffers and bob's queue hold. She is never held up.
        var line = new string('y', 8000) + "\n";
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 500; i++)
        {
            await alice.SendAsync(line);
        }

        await alice.SendAsync("/whoami\n");
        await alice.ReadUntilAsync("as the agent sees you");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"alice waited {clock.Elapsed.TotalSeconds:F1} s for a member that does not read");

        // Bob, silent and not reading, is closed within the idle and stall timeouts (3 s + 2 s), not held for ever.
        await Task.Delay(TimeSpan.FromSeconds(6));
        await DrainAsync(bob, TimeSpan.FromSeconds(10));
    }

    /// <summary>Reads until the agent closes (EOF or reset); returns the bytes read.</summary>
    private static async Task<long> DrainAsync(Socket socket, TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        var buffer = new byte[1 << 20];
        long total = 0;
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, timeout.Token)) > 0)
            {
                total += n;
            }
        }
        catch (SocketException)
        {
            // Reset: closed.
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"still open after {limit.TotalSeconds:0} s, {total} bytes read");
        }

        return total;
    }
}
