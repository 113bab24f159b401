using System.IO.Pipelines;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NetLab.Agent.Closing;
using NetLab.Agent.Connections;
using NetLab.Agent.Internet;
using NetLab.Agent.Listening;
using NetLab.Agent.Pipeline;
using NetLab.Agent.Sniffing;
using NetLab.Agent.Storage;
using NetLab.Agent.Text;
using NetLab.Agent.Transfers;

namespace NetLab.Agent.Tests.Text;

/// <summary>
/// The text session, armed transfers and the lingering close over in-memory pipes, as the sniffer is tested:
/// no host, no sockets, every byte in and out under the test's control.
/// </summary>
public sealed class TextSessionPipeTests : IDisposable
{
    private static readonly IPEndPoint Peer = new(IPAddress.Parse("198.18.0.5"), 40000);
    private readonly string _dataDir = Directory.CreateTempSubdirectory("netlab-pipes-").FullName;
    private readonly FileStore _files;
    private readonly TextServices _services;

    public TextSessionPipeTests()
    {
        _files = new FileStore(_dataDir, new AgentLimits());
        _services = NewServices(TimeProvider.System, new AgentLimits());
    }

    public void Dispose()
    {
        _files.Dispose();
        Directory.Delete(_dataDir, recursive: true);
    }

    [Fact]
    public async Task A_session_over_pipes_has_the_banner_the_chatter_and_q()
    {
        var (session, client) = Open();
        var running = session.RunAsync();
        await client.WriteAsync("hello\nwhat is TCP?\nq\n");
        Assert.Equal(SessionEnd.Closed, await running);
        var lines = (await client.ReadAllAsync(session)).Split("\r\n");
        Assert.Equal("Successfully Connected", lines[0]);
        Assert.Contains("you are 198.18.0.5:40000", lines[1]);
        Assert.Equal(["What?", "What?", "Bye!", ""], lines[2..]);
    }

    [Fact]
    public async Task Every_command_the_sniffer_counts_as_a_session_s_is_one_the_session_knows()
    {
        // Sent one per session, each followed by q: none may get "unknown command". (/listen from a remote
        // address gets its own refusal; /discard and /source end the session their own way.)
        foreach (var name in TextSession.CommandNames.Where(n => n is not "/discard" and not "/source"))
        {
            var (session, client) = Open();
            var running = session.RunAsync();
            await client.WriteAsync($"{name}\nq\n");
            await running;
            var output = await client.ReadAllAsync(session);
            Assert.DoesNotContain("unknown command", output);
            Assert.True(NetLab.Agent.Sniffing.Sniffer.StartsWithCommand(new System.Buffers.ReadOnlySequence<byte>(Encoding.ASCII.GetBytes($"{name}\n"))), name);
        }
    }

    [Fact]
    public async Task Relays_racing_the_end_of_a_session_never_write_with_it_nor_after_it()
    {
        for (var round = 0; round < 30; round++)
        {
            var (session, client) = Open();
            var running = session.RunAsync();
            await client.WriteAsync("/join race\n");
            using var stop = new CancellationTokenSource();

            // Four "members" post as fast as they can while the session ends and the sniffer writes its last words.
            var relays = Enumerable.Range(0, 4).Select(member => Task.Run(() =>
            {
                for (var n = 0; !stop.IsCancellationRequested && n < 100_000; n++)
                {
                    session.Post($"<member{member}> line {n} " + new string('x', 40));
                }
            })).ToList();
            await Task.Delay(5);
            await client.WriteAsync("q\n");
            Assert.Equal(SessionEnd.Closed, await running);
            await session.CloseAsync();
            client.Output.Writer.WriteLine("LAST WORDS"); // what SniffMiddleware may write after the session
            await client.Output.Writer.FlushAsync();
            await Task.Delay(5);
            await stop.CancelAsync();
            await Task.WhenAll(relays); // a concurrent write would have thrown in a relay or broken a line

            await client.Output.Writer.CompleteAsync();
            var text = await client.ReadAllAsync(session, completeWriter: false);
            Assert.EndsWith("LAST WORDS\r\n", text);
            var lines = text.Split("\r\n")[..^1];
            Assert.All(lines.Where(l => l.StartsWith("<member", StringComparison.Ordinal)), l => Assert.Matches(@"^<member\d> line \d+ x{40}$", l));
            Assert.Contains("Bye!", lines);
            Assert.Equal(1, lines.Count(l => l == "LAST WORDS")); // and nothing relayed after them
        }
    }

    [Fact]
    public async Task A_transfer_notice_for_a_session_that_ended_is_dropped_not_written()
    {
        var (session, client) = Open();
        var running = session.RunAsync();
        await client.WriteAsync("q\n");
        await running;
        await session.CloseAsync();
        Assert.False(session.Post("received x: 3 bytes"));
        Assert.DoesNotContain("received", await client.ReadAllAsync(session));
    }

    [Fact]
    public async Task An_armed_receive_over_pipes_stores_what_arrives_and_tells_the_session()
    {
        var arming = _services.Arming;
        var notices = new List<string>();
        var transfer = new ArmedTransfer(TransferDirection.Receive, "piped", ExpectedLength: 11, new object(), n => { notices.Add(n); return true; }, "OK armed");
        Assert.Equal("OK armed", arming.Arm(Peer.Address, transfer));
        var transfers = new ArmedTransfers(arming, _files, _services.Use, _services.Limits, TimeProvider.System, new ClientLog(NullLogger.Instance, TimeProvider.System, 60));

        var connection = PipeConnection(out var client);
        await client.Input.Writer.WriteAsync("hello world"u8.ToArray());
        var sniff = await Sniffer.SniffAsync(connection.Transport.Input, allowTls: true, TimeSpan.FromMilliseconds(50), TimeProvider.System, CancellationToken.None);
        Assert.Same(transfer, transfers.Match(Peer.Address, sniff));
        await client.Input.Writer.CompleteAsync();
        Assert.True(await transfers.TryServeAsync(connection, admitted: null, transfer));

        Assert.StartsWith("received piped: 11 bytes", Assert.Single(notices));
        using var stored = _files.OpenRead(Peer.Address, "piped");
        Assert.Equal("hello world", await new StreamReader(stored).ReadToEndAsync());
        Assert.Null(arming.Peek(Peer.Address)); // taken
    }

    [Theory]
    [InlineData("/files\nq\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n\r\n")]
    public async Task What_a_person_or_a_browser_sends_at_once_is_never_taken_for_an_armed_receive(string first)
    {
        var transfer = new ArmedTransfer(TransferDirection.Receive, "f", null, new object(), _ => true, "OK armed");
        Assert.Equal("OK armed", _services.Arming.Arm(Peer.Address, transfer));
        var transfers = new ArmedTransfers(_services.Arming, _files, _services.Use, _services.Limits, TimeProvider.System, new ClientLog(NullLogger.Instance, TimeProvider.System, 60));
        var connection = PipeConnection(out var client);
        await client.Input.Writer.WriteAsync(Encoding.ASCII.GetBytes(first));
        var sniff = await Sniffer.SniffAsync(connection.Transport.Input, allowTls: true, TimeSpan.FromMilliseconds(50), TimeProvider.System, CancellationToken.None);
        Assert.Null(transfers.Match(Peer.Address, sniff));
    }

    [Fact]
    public async Task A_lingering_close_reads_until_the_client_is_quiet_then_returns()
    {
        var time = new FakeTimeProvider();
        var connection = PipeConnection(out var client);
        await client.Input.Writer.WriteAsync("still sending"u8.ToArray());
        var closing = LingeringClose.RunAsync(connection, time, CancellationToken.None);
        await Task.Delay(20);
        Assert.False(closing.IsCompleted); // it read and dropped what came, and waits for a quiet moment
        time.Advance(TimeSpan.FromMilliseconds(300));
        await closing.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task The_idle_timeout_counts_whole_lines_on_the_agent_s_clock()
    {
        var time = new FakeTimeProvider();
        var services = NewServices(time, new AgentLimits { IdleTimeout = TimeSpan.FromMinutes(10) });
        var (session, client) = Open(services);
        var running = session.RunAsync();
        await client.ReadUntilAsync("q to quit.\r\n");
        await client.WriteAsync("half a li");
        time.Advance(TimeSpan.FromMinutes(9));
        await client.WriteAsync("ne\n"); // the line is whole at 9 min: the clock starts again
        await client.ReadUntilAsync("What?\r\n");
        time.Advance(TimeSpan.FromMinutes(9));
        Assert.False(running.IsCompleted);
        await client.WriteAsync("x");
        time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1)); // a byte is not a line
        Assert.Equal(SessionEnd.Closed, await running.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.EndsWith("What?\r\nERROR idle for 600 s without a whole line (the idle timeout); closing\r\n", await client.ReadAllAsync(session));
    }

    [Fact]
    public async Task Sessions_are_warned_ten_minutes_and_one_minute_before_the_maximum_lifetime()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        // The clock moves 14 minutes with the client silent: past the default idle timeout (10 minutes), which would
        // close the session and race the last warning (it did, once, on a loaded machine). This test is about warnings.
        var services = NewServices(time, new AgentLimits { MaxLifetime = TimeSpan.FromHours(8), IdleTimeout = TimeSpan.FromHours(1) });
        var (session, client) = Open(services);
        var running = session.RunAsync();
        await client.ReadUntilAsync("q to quit.\r\n");

        // The host booted 7 h 45 min ago: the stop is 15 minutes away.
        using var warnings = new NetLab.Agent.Hosting.LifetimeWarnings(services.Limits, services.Sessions, time, NullLogger.Instance, time.GetUtcNow() - TimeSpan.FromMinutes(465));
        await warnings.StartAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(4));
        await Task.Delay(50);
        Assert.DoesNotContain("WARNING", client.Seen);
        time.Advance(TimeSpan.FromMinutes(1));
        await client.ReadUntilAsync("WARNING this lab host stops in 10 minutes: it reaches its maximum lifetime of 8h since it started.");
        time.Advance(TimeSpan.FromMinutes(9));
        await client.ReadUntilAsync("WARNING this lab host stops in 1 minute:");
        await warnings.StopAsync(CancellationToken.None);

        await client.WriteAsync("q\n");
        await running;
    }

    private TextServices NewServices(TimeProvider time, AgentLimits limits) => new(
        11211, limits, _files, new ChatRooms(), new TransferArming(time, limits.ArmTimeout, 11211, TrustedSources.None(limits)), new ListenBridges(limits, new LabUse(time), time), new LabUse(time), new TextSessions(), new NetLab.Agent.Capture.WireCapture(new NetLab.Agent.Capture.CaptureStore(limits, time)), time, NullLogger.Instance, CancellationToken.None);

    private (TextSession Session, PipeClient Client) Open(TextServices? services = null)
    {
        var client = new PipeClient();
        var session = new TextSession(client.Transport, Peer, connection: null, services ?? _services, overTls: false);
        return (session, client);
    }

    private static DefaultConnectionContext PipeConnection(out PipeClient client)
    {
        client = new PipeClient();
        return new DefaultConnectionContext("pipe", client.Transport, new DuplexPipe(new Pipe().Reader, new Pipe().Writer)) { RemoteEndPoint = Peer };
    }

    /// <summary>Two pipes: what the client sends (the agent's input) and what the agent sends back (its output).</summary>
    private sealed class PipeClient
    {
        private readonly StringBuilder _seen = new();

        public Pipe Input { get; } = new();

        /// <summary>What has been read of the agent's output so far.</summary>
        public string Seen => _seen.ToString();

        // Unbounded: a test reads the agent's output when it likes, and the agent never waits for it.
        public Pipe Output { get; } = new(new PipeOptions(pauseWriterThreshold: 0));

        public IDuplexPipe Transport => new DuplexPipe(Input.Reader, Output.Writer);

        public async Task WriteAsync(string text) => await Input.Writer.WriteAsync(Encoding.UTF8.GetBytes(text));

        /// <summary>Everything the agent wrote; the agent's side of the output is completed first unless the test did.</summary>
        public async Task<string> ReadAllAsync(TextSession session, bool completeWriter = true)
        {
            if (completeWriter)
            {
                await session.CloseAsync();
                await Output.Writer.CompleteAsync();
            }

            while (await ReadMoreAsync())
            {
            }

            return _seen.ToString();
        }

        /// <summary>Reads the agent's output until <paramref name="text"/> has come.</summary>
        public async Task ReadUntilAsync(string text)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (!_seen.ToString().Contains(text, StringComparison.Ordinal))
            {
                Assert.True(await ReadMoreAsync(timeout.Token), $"the output ended before \"{text}\": {_seen}");
            }
        }

        private async Task<bool> ReadMoreAsync(CancellationToken ct = default)
        {
            var result = await Output.Reader.ReadAsync(ct);
            foreach (var segment in result.Buffer)
            {
                _seen.Append(Encoding.UTF8.GetString(segment.Span));
            }

            Output.Reader.AdvanceTo(result.Buffer.End);
            return !result.IsCompleted;
        }
    }

    private sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
