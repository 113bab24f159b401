using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;
using NetLab.Agent.Connections;
using NetLab.Agent.Hosting;
using NetLab.Agent.Internet;
using NetLab.Agent.Listening;
using NetLab.Agent.Sniffing;

namespace NetLab.Agent.Text;

/// <summary>How a text session ended.</summary>
internal enum SessionEnd
{
    /// <summary>Closed: q, EOF, idleness, or the agent stopping.</summary>
    Closed,

    /// <summary>Closed on an error while the client may still be sending (a line over the limit).</summary>
    ClosedOnError,

    /// <summary>A line typed in the chatter was an HTTP request line: the connection goes to HTTP, that line unread.</summary>
    HandToHttp,

    /// <summary>A terminal on the host (<c>netlab-agent listen</c>) waits for a connection: see <see cref="TextSession.Listening"/>.</summary>
    Listen,

    /// <summary>A line typed in the chatter meant HTTP but was not quite it (<c>GET / HTTPS/1.1</c>, <c>get / HTTP/1.1</c>): see <see cref="TextSession.NotQuiteHttp"/>.</summary>
    NotQuiteHttp,
}

/// <summary>
/// What nc, ncat, telnet and <c>openssl s_client</c> users get: the banner, the silly chatter that answers
/// every line "What?", <c>q</c> to quit, and the slash commands. Lines end in LF or CRLF; replies in CRLF.
/// </summary>
/// <remarks>
/// Everything it works with comes in through the constructor (<see cref="TextServices"/> holds plain parts),
/// so a session runs over any duplex pipe: the tests drive it over in-memory pipes. Its replies, and what other
/// sessions post to it, go through one writer (<see cref="SessionOutput"/>).
/// </remarks>
internal sealed partial class TextSession : IDisposable
{
    private readonly TextServices _services;
    private readonly LabConnection? _connection;
    private readonly PipeReader _input;
    private readonly SessionOutput _out;
    // One source ends every read: the agent stopping and the connection shed (linked), the idle timer and a member
    // that stopped reading what others post (cancelled directly). Three sources of their own per session held
    // about 3 MB more for 10,000 idle sessions (dotnet-gcdump).
    private readonly ITimer _idle;
    private readonly CancellationTokenSource _reads;
    private readonly bool _overTls;
    private SessionOutput.Turn? _turn;
    private volatile string? _goneReason;
    private Mode _mode = Mode.Chatter;
    private bool _firstLineSeen;
    private bool _probe; // its first line was another service's protocol: none of its lines is lab use
    private string? _room;

    private enum Mode
    {
        Chatter,
        Echo,
        Chat,
    }

    private enum LineAction
    {
        Continue,
        Close,
        CloseOnError,
        Discard,
        Source,
        Listen,
    }

    /// <param name="transport">The connection's pipes (inside TLS when <paramref name="overTls"/>).</param>
    /// <param name="peer">The client as the agent sees it.</param>
    /// <param name="connection">The connection's limits (shed, egress); null for a session no table admitted (tests).</param>
    /// <param name="services">What sessions share.</param>
    /// <param name="overTls">The session runs inside TLS.</param>
    public TextSession(IDuplexPipe transport, IPEndPoint peer, LabConnection? connection, TextServices services, bool overTls)
    {
        _services = services;
        _connection = connection;
        _input = transport.Input;
        _overTls = overTls;
        Peer = peer;
        _out = new SessionOutput(transport.Output, services.Limits.StallTimeout, services.Time, Overwhelmed);
        _reads = CancellationTokenSource.CreateLinkedTokenSource(services.Stopping, connection?.Shed ?? CancellationToken.None);
        _idle = services.Time.CreateTimer(static session => ((TextSession)session!).EndReads(), this, services.Limits.IdleTimeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The client as the agent sees it.</summary>
    public IPEndPoint Peer { get; }

    /// <summary>With <see cref="SessionEnd.NotQuiteHttp"/>: how the request line missed (its version, or its method's case).</summary>
    public SniffVerdict NotQuiteHttp { get; private set; }

    /// <summary>With <see cref="SessionEnd.Listen"/>: what the terminal waits for, registered with <see cref="TextServices.Listens"/>.</summary>
    public ListenWait? Listening { get; private set; }

    /// <summary>The one writer of this session's output; after the session, the code that ends the connection writes through it.</summary>
    public SessionOutput Output => _out;

    /// <summary>Queues a line from elsewhere (a chat relay, a transfer's result, a warning); false when the session is gone.</summary>
    public bool Post(string line) => _out.TryPost(line);

    /// <summary>Runs the session until it ends; see <see cref="SessionEnd"/>. The writer is closed when it returns.</summary>
    public async Task<SessionEnd> RunAsync()
    {
        _services.Sessions.Add(this);
        try
        {
            if (OverBudget(out var refusal))
            {
                await WriteLinesAsync(refusal); // OverBudget marked the connection: the line goes out, then it closes
                return SessionEnd.Closed;
            }

            await WriteLinesAsync(
                "Successfully Connected",
                $"netlab-agent {LabServices.Version} on {LabServices.HostName}; you are {Peer}{(_overTls ? " over TLS" : "")}. Type /help for commands, q to quit.");
            await FlushAsync();
            return await ReadLinesAsync();
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or ConnectionAbortedException or OperationCanceledException or InvalidOperationException)
        {
            Log.SessionEnded(_services.Logger, Peer, e.Message);
            return SessionEnd.Closed;
        }
        finally
        {
            try
            {
                await FlushAsync();
            }
            catch (Exception e) when (e is IOException or ConnectionResetException or ConnectionAbortedException or OperationCanceledException or InvalidOperationException)
            {
                // The client is gone; nothing more to say.
            }

            _services.Sessions.Remove(this);
            if (_room is not null)
            {
                _services.Rooms.Leave(_room, this);
            }
        }
    }

    /// <summary>Ends the session's writing: what other sessions post from now on is dropped.</summary>
    public ValueTask CloseAsync() => _out.CloseAsync();

    private async Task<SessionEnd> ReadLinesAsync()
    {
        while (true)
        {
            ReadResult result;
            try
            {
                result = await _input.ReadAsync(_reads.Token);
            }
            catch (OperationCanceledException)
            {
                await WriteLinesAsync(WhyReadsStopped());
                return SessionEnd.Closed;
            }

            var buffer = result.Buffer;
            var action = LineAction.Continue;
            var lines = 0;
            var blank = 0;
            while (action == LineAction.Continue && TextLines.TryRead(ref buffer, result.IsCompleted, out var line, out var lineStart))
            {
                lines++;
                blank += line.IsEmpty ? 1 : 0;
                if (!_firstLineSeen)
                {
                    _firstLineSeen = true;
                    _probe = ForeignProtocol.IsProbe(line);
                }

                if (_mode == Mode.Chatter)
                {
                    // A request typed after the banner, or after a few ordinary lines, as in telnet: HTTP takes over.
                    var verdict = Sniffer.ClassifyRequestLine(line.IsSingleSegment ? line.FirstSpan : line.ToArray());
                    if (verdict is SniffVerdict.Http or SniffVerdict.BadHttpVersion or SniffVerdict.BadHttpMethod)
                    {
                        // Leave the request line unread for Kestrel (or for the 400 writer); what was answered before goes out first.
                        _input.AdvanceTo(lineStart);
                        await FlushAsync();
                        NotQuiteHttp = verdict;
                        return verdict == SniffVerdict.Http ? SessionEnd.HandToHttp : SessionEnd.NotQuiteHttp;
                    }
                }

                if (line.Length > _services.Limits.MaxLineBytes)
                {
                    _input.AdvanceTo(buffer.Start);
                    await WriteLinesAsync($"ERROR line too long: {line.Length} bytes, the limit is {_services.Limits.MaxLineBytes}; closing");
                    return SessionEnd.ClosedOnError;
                }

                action = await HandleLineAsync(line);
            }

            if (lines > 0)
            {
                // A whole line is progress (a line dripped a byte at a time is not), and a turn is lab use, unless the
                // session is a probe, or the turn only blank lines (what a banner grab sends to make a server talk).
                _idle.Change(_services.Limits.IdleTimeout, Timeout.InfiniteTimeSpan);
                if (!_probe && blank < lines)
                {
                    _services.Use.Record(Peer.Address);
                }
            }

            await FlushAsync();
            if (action != LineAction.Continue)
            {
                _input.AdvanceTo(buffer.Start);
                return action switch
                {
                    LineAction.Discard => await DiscardAsync(),
                    LineAction.Source => await SourceAsync(),
                    LineAction.Listen => SessionEnd.Listen,
                    LineAction.CloseOnError => SessionEnd.ClosedOnError,
                    _ => SessionEnd.Closed,
                };
            }

            if (buffer.Length > _services.Limits.MaxLineBytes)
            {
                _input.AdvanceTo(buffer.Start, buffer.End);
                await WriteLinesAsync($"ERROR line too long: over {_services.Limits.MaxLineBytes} bytes without a newline, the limit is {_services.Limits.MaxLineBytes}; closing");
                return SessionEnd.ClosedOnError;
            }

            if (result.IsCompleted)
            {
                _input.AdvanceTo(buffer.End);
                return SessionEnd.Closed;
            }

            _input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private string WhyReadsStopped() =>
        _services.Stopping.IsCancellationRequested ? "The agent is shutting down. Bye!"
        : _connection is { Shed.IsCancellationRequested: true } ? _connection.ShedReason!
        : _goneReason is { } gone ? $"ERROR {gone}; closing"
        : $"ERROR idle for {_services.Limits.IdleTimeout.TotalSeconds:0} s without a whole line (the idle timeout); closing";

    private async ValueTask<LineAction> HandleLineAsync(ReadOnlySequence<byte> line)
    {
        if (line.Length == 1 && line.FirstSpan[0] == (byte)'q')
        {
            await WriteLinesAsync("Bye!");
            return LineAction.Close;
        }

        if (OverBudget(out var refusal))
        {
            await WriteLinesAsync(refusal);
            return LineAction.CloseOnError;
        }

        if (_mode == Mode.Echo && !(line.Length == 5 && line.FirstSpan.SequenceEqual("/echo"u8)))
        {
            // Echo mode is the latency probe: bytes back as they came, no decoding. Flushed per read, not per line.
            var writer = (await WriterAsync()).Writer;
            foreach (var segment in line)
            {
                writer.Write(segment.Span);
            }

            writer.Write("\r\n"u8);
            return LineAction.Continue;
        }

        var text = Encoding.UTF8.GetString(line);
        if (text.StartsWith('/'))
        {
            if (!_probe)
            {
                _services.Use.Record(Peer.Address); // a lab command is lab use at once
            }

            return await RunCommandAsync(text);
        }

        if (_mode == Mode.Chat && _room is not null)
        {
            Relay($"<{Peer}> {text}");
            return LineAction.Continue;
        }

        await WriteLinesAsync("What?");
        return LineAction.Continue;
    }

    /// <summary>True (with the line that says so) when this address has spent its egress budget for now.</summary>
    private bool OverBudget(out string refusal)
    {
        var wait = _connection?.Egress?.WaitFor(1) ?? TimeSpan.Zero;
        if (wait > TimeSpan.Zero)
        {
            _connection!.Refusing = true;
        }

        refusal = wait > TimeSpan.Zero
            ? $"ERROR {_connection!.Egress!.Refusal(1, wait)}"
            : "";
        return wait > TimeSpan.Zero;
    }

    /// <summary>The writer's turn for this read's replies, taken once and flushed at the end of the read.</summary>
    private async ValueTask<SessionOutput.Turn> WriterAsync() =>
        _turn ??= await _out.AcquireAsync() ?? throw new ConnectionAbortedException("the session's output is closed");

    private async ValueTask WriteLinesAsync(params string[] lines)
    {
        var turn = await WriterAsync();
        foreach (var line in lines)
        {
            turn.WriteLine(line);
        }
    }

    /// <summary>Flushes this read's replies and gives the writer back, so queued lines from elsewhere can go out.</summary>
    private async ValueTask FlushAsync()
    {
        if (_turn is not { } turn)
        {
            return;
        }

        _turn = null;
        await using (turn)
        {
            await turn.FlushAsync(_services.Stopping);
        }
    }

    private void Relay(string line)
    {
        foreach (var other in _services.Rooms.Others(_room!, this))
        {
            other.Post(line); // never waits: a member that does not read is closed, not waited for
        }
    }

    /// <summary>The client stopped reading what others post to it: end the session.</summary>
    private void Overwhelmed(string why)
    {
        _goneReason = $"closing: {why}";
        EndReads();
    }

    /// <summary>Ends the read in progress (the idle timer's callback, or <see cref="Overwhelmed"/>); why is told by <see cref="WhyReadsStopped"/>.</summary>
    private void EndReads()
    {
        try
        {
            _reads.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already over: a timer callback or a relay that came late.
        }
    }

    public void Dispose()
    {
        _idle.Dispose();
        _reads.Dispose();
    }
}
