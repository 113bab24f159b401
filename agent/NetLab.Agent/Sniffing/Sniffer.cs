using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace NetLab.Agent.Sniffing;

/// <summary>What the first bytes of a connection say it is.</summary>
internal enum SniffVerdict
{
    /// <summary>Not enough bytes yet to tell.</summary>
    NeedMore,

    /// <summary>A TLS handshake record (RFC 8446 §5.1: content type 22, legacy version 3.x).</summary>
    Tls,

    /// <summary>An HTTP/1.x request line (RFC 9112 §3).</summary>
    Http,

    /// <summary>Looks like a request line but names a version that is not HTTP/1.x, e.g. <c>GET / HTTPS/1.1</c>.</summary>
    BadHttpVersion,

    /// <summary>A request line whose method is not written as HTTP's (methods are case-sensitive), e.g. <c>get / HTTP/1.1</c>.</summary>
    BadHttpMethod,

    /// <summary>Anything else: a text session.</summary>
    Text,
}

/// <summary>What the sniff saw: the verdict, and whether the client sent anything, or closed its side, meanwhile.</summary>
/// <param name="Verdict">What the connection is.</param>
/// <param name="SawData">The client sent bytes before the verdict (a silent client has not).</param>
/// <param name="SawEnd">The client half-closed (FIN) before the verdict.</param>
/// <param name="StartsWithCommand">What the client sent at once begins with a text-session command line (<c>/help</c>, <c>/recv x</c>, <c>q</c>).</param>
internal readonly record struct SniffResult(SniffVerdict Verdict, bool SawData, bool SawEnd, bool StartsWithCommand = false);

/// <summary>
/// Classifies the start of a connection without consuming it, the way sslh does: the decision is made on
/// whatever has arrived so far, and <see cref="SniffVerdict.NeedMore"/> asks for more.
/// </summary>
internal static class Sniffer
{
    /// <summary>
    /// The most of a request line the sniffer waits for. A longer line that starts like a request (a method, a
    /// space, a target) is HTTP all the same, and Kestrel answers it 414; one that does not is text.
    /// </summary>
    public const int MaxRequestLineBytes = 8 * 1024;

    private const byte TlsHandshake = 0x16;

    // RFC 9110 §9 methods, each with the space that ends it on a request line.
    private static readonly byte[][] MethodTokens =
        new[] { "GET ", "HEAD ", "POST ", "PUT ", "DELETE ", "OPTIONS ", "PATCH ", "TRACE ", "CONNECT " }
            .Select(Encoding.ASCII.GetBytes).ToArray();

    private static readonly byte[] Http10 = "HTTP/1.0"u8.ToArray();
    private static readonly byte[] Http11 = "HTTP/1.1"u8.ToArray();

    /// <summary>
    /// Peeks at a connection until its bytes decide, the window passes (silence means a person at a keyboard:
    /// text), or EOF. Nothing is consumed: <c>AdvanceTo(start, end)</c> while undecided, <c>AdvanceTo(start)</c>
    /// to hand off, so the next reader sees every byte. The window is deliberately not linked to
    /// ConnectionClosed: that fires on the client's FIN, and a client that half-closes after its request
    /// (<c>printf ... | nc -q1</c>) must still be classified and answered.
    /// </summary>
    public static async Task<SniffResult> SniffAsync(PipeReader input, bool allowTls, TimeSpan window, TimeProvider time, CancellationToken stopping)
    {
        using var expiry = new CancellationTokenSource(window, time);
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(stopping, expiry.Token);
        var sawData = false;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(timer.Token);
            }
            catch (OperationCanceledException)
            {
                return new SniffResult(SniffVerdict.Text, sawData, SawEnd: false);
            }

            sawData = !result.Buffer.IsEmpty;
            var verdict = Classify(result.Buffer, allowTls);
            if (verdict != SniffVerdict.NeedMore || result.IsCompleted)
            {
                var command = verdict == SniffVerdict.Text && StartsWithCommand(result.Buffer);
                input.AdvanceTo(result.Buffer.Start);
                return new SniffResult(verdict == SniffVerdict.NeedMore ? SniffVerdict.Text : verdict, sawData, result.IsCompleted, command);
            }

            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    /// <summary>
    /// True when the bytes begin with a line that is one of the text session's commands (<c>/NAME</c>, with or
    /// without an argument, or <c>q</c>): a person (or a script) talking to the lab, never a file's first bytes.
    /// </summary>
    public static bool StartsWithCommand(ReadOnlySequence<byte> buffer)
    {
        Span<byte> head = stackalloc byte[16];
        var n = (int)Math.Min(buffer.Length, head.Length);
        buffer.Slice(0, n).CopyTo(head);
        head = head[..n];
        if (head.StartsWith("q\n"u8) || head.StartsWith("q\r\n"u8))
        {
            return true;
        }

        foreach (var command in Commands)
        {
            if (head.StartsWith(command) && head.Length > command.Length && head[command.Length] is (byte)' ' or (byte)'\r' or (byte)'\n')
            {
                return true;
            }
        }

        return false;
    }

    private static readonly byte[][] Commands = [.. Text.TextSession.CommandNames.Select(Encoding.ASCII.GetBytes)];

    /// <summary>Classifies the bytes received so far. <paramref name="allowTls"/> is false inside TLS.</summary>
    public static SniffVerdict Classify(ReadOnlySequence<byte> buffer, bool allowTls)
    {
        if (buffer.IsEmpty)
        {
            return SniffVerdict.NeedMore;
        }

        Span<byte> head = stackalloc byte[9];
        var headLength = (int)Math.Min(buffer.Length, head.Length);
        buffer.Slice(0, headLength).CopyTo(head);
        head = head[..headLength];

        if (allowTls && head[0] == TlsHandshake)
        {
            // Record header: type, then legacy_record_version 0x0300..0x0304 (SSL 3.0 to TLS 1.3).
            if (head.Length < 3)
            {
                return SniffVerdict.NeedMore;
            }

            return head[1] == 0x03 && head[2] <= 0x04 ? SniffVerdict.Tls : SniffVerdict.Text;
        }

        var method = MatchMethod(head, ignoreCase: true);
        if (method is null)
        {
            return SniffVerdict.Text;
        }

        if (method.Length > head.Length)
        {
            return SniffVerdict.NeedMore;
        }

        var lineEnd = buffer.PositionOf((byte)'\n');
        var lineLength = lineEnd is { } end ? buffer.Slice(0, end).Length : buffer.Length;
        if (lineLength > MaxRequestLineBytes)
        {
            // Too long to wait for: a request all the same if it starts like one (Kestrel then answers 414).
            Span<byte> start = stackalloc byte[16];
            buffer.Slice(0, Math.Min(buffer.Length, start.Length)).CopyTo(start);
            return MatchMethod(start, ignoreCase: false) is { } exact && start[exact.Length] is (byte)'/' or (byte)'*' or (byte)'h'
                ? SniffVerdict.Http
                : SniffVerdict.Text;
        }

        if (lineEnd is null)
        {
            return SniffVerdict.NeedMore;
        }

        var line = buffer.Slice(0, lineEnd.Value);
        return ClassifyRequestLine(line.IsSingleSegment ? line.FirstSpan : line.ToArray());
    }

    /// <summary>
    /// Classifies one complete line (without its LF; a trailing CR is ignored) as an HTTP request line or not.
    /// Used by the sniffer and by a text session for every line typed in its chatter.
    /// </summary>
    public static SniffVerdict ClassifyRequestLine(ReadOnlySpan<byte> line)
    {
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        var method = MatchMethod(line, ignoreCase: true);
        if (method is null || method.Length > line.Length)
        {
            return SniffVerdict.Text;
        }

        var exactMethod = line.StartsWith(method);

        var rest = line[method.Length..];
        var space = rest.IndexOf((byte)' ');
        if (space <= 0)
        {
            return SniffVerdict.Text;
        }

        var target = rest[..space];
        var version = rest[(space + 1)..];
        if (target.ContainsAnyInRange((byte)0, (byte)0x20) || version.IsEmpty || version.Contains((byte)' '))
        {
            return SniffVerdict.Text;
        }

        var meantHttp = version.Length >= 4 && Ascii.EqualsIgnoreCase(version[..4], "HTTP"u8);
        if (!exactMethod)
        {
            // "get / HTTP/1.1": someone meant HTTP, but methods are case-sensitive.
            return meantHttp ? SniffVerdict.BadHttpMethod : SniffVerdict.Text;
        }

        if (version.SequenceEqual(Http11) || version.SequenceEqual(Http10))
        {
            return SniffVerdict.Http;
        }

        // "HTTPS/1.1", "HTTP/2.0", "http/1.1": someone meant HTTP; answer like a web server would (400).
        return meantHttp ? SniffVerdict.BadHttpVersion : SniffVerdict.Text;
    }

    /// <summary>The method token whose start agrees with <paramref name="head"/> (in any case, with <paramref name="ignoreCase"/>), or null.</summary>
    private static byte[]? MatchMethod(ReadOnlySpan<byte> head, bool ignoreCase)
    {
        foreach (var token in MethodTokens)
        {
            var n = Math.Min(token.Length, head.Length);
            if (ignoreCase ? Ascii.EqualsIgnoreCase(head[..n], token.AsSpan(0, n)) : head[..n].SequenceEqual(token.AsSpan(0, n)))
            {
                return token;
            }
        }

        return null;
    }
}
