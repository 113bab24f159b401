using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;
using NetLab.Agent.Connections;
using NetLab.Agent.Hosting;
using NetLab.Agent.Sniffing;

namespace NetLab.Agent.Text;

/// <summary>How a text session ended.</summary>
public enum SessionEnd
{
    /// <summary>Closed: q, EOF, idleness, or the agent stopping.</summary>
    Closed,

    /// <summary>Closed on an error while the client may still be sending (a line over the limit).</summary>
    ClosedOnError,

    /// <summary>The first line typed was an HTTP request line: the connection goes to HTTP, that line unread.</summary>
    HandToHttp,

    /// <summary>The first line typed was a request line with a bad version (<c>GET / HTTPS/1.1</c>).</summary>
    BadHttpVersion,
}

/// <summary>
/// What nc, ncat, telnet and <c>openssl s_client</c> users get: the banner, the silly chatter that answers
/// every line "What?", <c>q</c> to quit, and the slash commands. Lines end in LF or CRLF; replies in CRLF.
/// </summary>
public sealed partial class TextSession : IDisposable
{
    private readonly ConnectionContext _connection;
    private readonly LabServices _lab;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _reads;
    private readonly bool _overTls;
    private Mode _mode = Mode.Chatter;
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
        Discard,
        Source,
    }

    public TextSession(ConnectionContext connection, LabServices lab, bool overTls)
    {
        _connection = connection;
        _lab = lab;
        _input = connection.Transport.Input;
        _output = connection.Transport.Output;
        _overTls = overTls;
        Peer = connection.Peer();
        _reads = CancellationTokenSource.CreateLinkedTokenSource(lab.Stopping);
    }

    /// <summary>The client as the agent sees it.</summary>
    public IPEndPoint Peer { get; }

    /// <summary>Runs the session until it ends; see <see cref="SessionEnd"/>.</summary>
    public async Task<SessionEnd> RunAsync()
    {
        try
        {
            await SendAsync(
                "Successfully Connected",
                $"netlab-agent {LabServices.Version} on {LabServices.HostName}; you are {Peer}{(_overTls ? " over TLS" : "")}. Type /help for commands, q to quit.");
            return await ReadLinesAsync();
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or ConnectionAbortedException or OperationCanceledException or InvalidOperationException)
        {
            Log.SessionEnded(_lab.Logger, Peer, e.Message);
            return SessionEnd.Closed;
        }
        finally
        {
            if (_room is not null)
            {
                _lab.Rooms.Leave(_room, this);
            }
        }
    }

    private async Task<SessionEnd> ReadLinesAsync()
    {
        var firstLine = true;
        while (true)
        {
            _reads.CancelAfter(_lab.Limits.IdleTimeout);
            ReadResult result;
            try
            {
                result = await _input.ReadAsync(_reads.Token);
            }
            catch (OperationCanceledException)
            {
                await SendAsync(_lab.Stopping.IsCancellationRequested
                    ? "The agent is shutting down. Bye!"
                    : $"ERROR idle for {_lab.Limits.IdleTimeout.TotalSeconds:0} s (the idle timeout); closing");
                return SessionEnd.Closed;
            }

            var buffer = result.Buffer;
            var action = LineAction.Continue;
            while (action == LineAction.Continue && TryReadLine(ref buffer, result.IsCompleted, out var line, out var lineStart))
            {
                if (firstLine)
                {
                    firstLine = false;
                    var verdict = Sniffer.ClassifyRequestLine(line.IsSingleSegment ? line.FirstSpan : line.ToArray());
                    if (verdict is SniffVerdict.Http or SniffVerdict.BadHttpVersion)
                    {
                        // Leave the request line unread for Kestrel (or for the 400 writer).
                        _input.AdvanceTo(lineStart);
                        return verdict == SniffVerdict.Http ? SessionEnd.HandToHttp : SessionEnd.BadHttpVersion;
                    }
                }

                if (line.Length > _lab.Limits.MaxLineBytes)
                {
                    _input.AdvanceTo(buffer.Start);
                    await SendAsync($"ERROR line too long: {line.Length} bytes, the limit is {_lab.Limits.MaxLineBytes}; closing");
                    return SessionEnd.ClosedOnError;
                }

                action = await HandleLineAsync(line);
            }

            await FlushAsync();
            if (action != LineAction.Continue)
            {
                _input.AdvanceTo(buffer.Start);
                return action switch
                {
                    LineAction.Discard => await DiscardAsync(),
                    LineAction.Source => await SourceAsync(),
                    _ => SessionEnd.Closed,
                };
            }

            if (buffer.Length > _lab.Limits.MaxLineBytes)
            {
                _input.AdvanceTo(buffer.Start, buffer.End);
                await SendAsync($"ERROR line too long: over {_lab.Limits.MaxLineBytes} bytes without a newline, the limit is {_lab.Limits.MaxLineBytes}; closing");
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

    /// <summary>
    /// Takes one line (without its line ending) off the buffer. At EOF an unterminated last line counts too,
    /// as nc sends it when stdin has no final newline.
    /// </summary>
    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, bool atEof, out ReadOnlySequence<byte> line, out SequencePosition lineStart)
    {
        lineStart = buffer.Start;
        var newline = buffer.PositionOf((byte)'\n');
        if (newline is null)
        {
            if (!atEof || buffer.IsEmpty)
            {
                line = default;
                return false;
            }

            line = buffer;
            buffer = buffer.Slice(buffer.End);
        }
        else
        {
            line = buffer.Slice(0, newline.Value);
            buffer = buffer.Slice(buffer.GetPosition(1, newline.Value));
        }

        // CRLF, and the CR CR LF that telnet sends when its input is a pipe.
        while (!line.IsEmpty && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r')
        {
            line = line.Slice(0, line.Length - 1);
        }

        return true;
    }

    private async ValueTask<LineAction> HandleLineAsync(ReadOnlySequence<byte> line)
    {
        if (line.Length == 1 && line.FirstSpan[0] == (byte)'q')
        {
            await SendAsync("Bye!");
            return LineAction.Close;
        }

        if (_mode == Mode.Echo && !(line.Length == 5 && line.FirstSpan.SequenceEqual("/echo"u8)))
        {
            // Echo mode is the latency probe: bytes back as they came, no decoding. Flushed per read, not per line.
            await _writeLock.WaitAsync();
            try
            {
                foreach (var segment in line)
                {
                    _output.Write(segment.Span);
                }

                _output.Write("\r\n"u8);
            }
            finally
            {
                _writeLock.Release();
            }

            return LineAction.Continue;
        }

        var text = Encoding.UTF8.GetString(line);
        if (text.StartsWith('/'))
        {
            return await RunCommandAsync(text);
        }

        if (_mode == Mode.Chat && _room is not null)
        {
            await RelayAsync($"<{Peer}> {text}");
            return LineAction.Continue;
        }

        await SendAsync("What?");
        return LineAction.Continue;
    }

    /// <summary>Writes lines and flushes, under the session's write lock (chat relays write here too).</summary>
    internal async ValueTask SendAsync(params string[] lines)
    {
        await _writeLock.WaitAsync();
        try
        {
            foreach (var line in lines)
            {
                _output.WriteLine(line);
            }

            await _output.FlushAsync();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async ValueTask FlushAsync()
    {
        await _writeLock.WaitAsync();
        try
        {
            await _output.FlushAsync();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public void Dispose()
    {
        _reads.Dispose();
        _writeLock.Dispose();
    }
}
