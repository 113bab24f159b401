using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using NetLab.Agent.Http;

namespace NetLab.Agent.Http;

/// <summary>
/// Kestrel answers some requests itself, before any route runs: 400 (no Host header, a line that is not HTTP,
/// such as q typed in telnet after a reply), 408, 414 and 431, each with an empty body. This puts a body that
/// explains it into those answers (<see cref="ErrorBodies.Kestrel"/>), as the routes' own errors have.
/// </summary>
/// <remarks>
/// Between requests (<see cref="ApplicationActivity"/> says none is running) the only thing Kestrel writes is
/// such an answer, whole in one write: a status line of 400, 408, 414 or 431, then <c>Content-Length: 0</c> and
/// <c>Connection: close</c>. Only that is rewritten; everything an application request writes goes through
/// untouched. The input side remembers the last request line and whether a Host header followed it, so the
/// 400 can say which mistake it was.
/// </remarks>
internal static class KestrelErrorBodies
{
    /// <summary>The connection as Kestrel's HTTP/1.1 parser and writer see it: the input watched, the output amended.</summary>
    public static IDuplexPipe Wrap(IDuplexPipe transport, ApplicationActivity activity, Func<PipeReader, PipeReader> input)
    {
        var watched = new WatchedInput(transport.Input);
        return new Transport(input(watched), new AmendedOutput(transport.Output, activity, watched));
    }

    /// <summary>Counts the application requests running on a connection (HTTP/2 may run several at once).</summary>
    public sealed class ApplicationActivity
    {
        private int _running;

        public bool Idle => Volatile.Read(ref _running) == 0;

        public void Enter() => Interlocked.Increment(ref _running);

        public void Leave() => Interlocked.Decrement(ref _running);
    }

    private sealed record Transport(PipeReader Input, PipeWriter Output) : IDuplexPipe;

    /// <summary>
    /// Keeps the start of what Kestrel last read (a copy into one buffer, nothing parsed): the request it may
    /// refuse. The line and the Host header are looked for only when a refusal is written.
    /// </summary>
    private sealed class WatchedInput(PipeReader inner) : PipeReader
    {
        private readonly byte[] _head = new byte[2048];
        private int _headLength;

        /// <summary>The first line of the request Kestrel read last.</summary>
        public string RequestLine
        {
            get
            {
                var head = _head.AsSpan(0, _headLength);
                var end = head.IndexOf((byte)'\n');
                return Encoding.ASCII.GetString(end < 0 ? head : head[..end]).TrimEnd('\r');
            }
        }

        /// <summary>Whether that request's headers (as far as they were kept) name a Host.</summary>
        public bool HadHost
        {
            get
            {
                var head = _head.AsSpan(0, _headLength);
                var end = head.IndexOf("\r\n\r\n"u8);
                return Encoding.ASCII.GetString(end < 0 ? head : head[..end]).Contains("\nhost:", StringComparison.OrdinalIgnoreCase);
            }
        }

        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            var read = inner.ReadAsync(cancellationToken);
            return read.IsCompletedSuccessfully ? new ValueTask<ReadResult>(Keep(read.Result)) : Later(read);
        }

        public override bool TryRead(out ReadResult result)
        {
            var ok = inner.TryRead(out result);
            if (ok)
            {
                Keep(result);
            }

            return ok;
        }

        public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        private async ValueTask<ReadResult> Later(ValueTask<ReadResult> read) => Keep(await read);

        // Kestrel consumes a request's head only once it has all of it, so what it reads starts at the request it
        // is parsing. A read of a body (large) is not a head: it is not kept.
        private ReadResult Keep(ReadResult result)
        {
            var buffer = result.Buffer;
            if (!buffer.IsEmpty && buffer.Length <= 64 * 1024)
            {
                _headLength = (int)Math.Min(buffer.Length, _head.Length);
                buffer.Slice(0, _headLength).CopyTo(_head);
            }

            return result;
        }
    }

    private sealed class AmendedOutput(PipeWriter inner, ApplicationActivity activity, WatchedInput input) : PipeWriter
    {
        private Memory<byte> _last;

        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;

        // While an application request runs, what is written is its own: straight through. Between requests, the
        // memory handed out is remembered, to look at what Kestrel wrote into it.
        public override Memory<byte> GetMemory(int sizeHint = 0) => activity.Idle ? _last = inner.GetMemory(sizeHint) : inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => activity.Idle ? (_last = inner.GetMemory(sizeHint)).Span : inner.GetSpan(sizeHint);

        public override void Advance(int bytes)
        {
            if (activity.Idle && bytes <= _last.Length && Refusal(_last.Span[..bytes]) is { } code)
            {
                var body = Encoding.UTF8.GetBytes(ErrorBodies.Kestrel(code, input.RequestLine, input.HadHost));
                var head = Encoding.ASCII.GetString(_last.Span[..bytes])
                    .Replace("\r\nContent-Length: 0\r\n", $"\r\nContent-Length: {body.Length}\r\nContent-Type: text/plain; charset=utf-8\r\n", StringComparison.Ordinal);
                var amended = Encoding.ASCII.GetBytes(head).Concat(body).ToArray();
                var span = inner.GetSpan(amended.Length); // the same place Kestrel wrote to, or a larger one: write it whole
                amended.CopyTo(span);
                inner.Advance(amended.Length);
                return;
            }

            inner.Advance(bytes);
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        /// <summary>The status, when the bytes are exactly one of Kestrel's own empty refusals.</summary>
        private static int? Refusal(ReadOnlySpan<byte> bytes)
        {
            if (bytes.Length < 40 || !bytes.StartsWith("HTTP/1.1 4"u8) || !bytes.EndsWith("\r\n\r\n"u8)
                || bytes.IndexOf("\r\nContent-Length: 0\r\n"u8) < 0 || bytes.IndexOf("\r\nConnection: close\r\n"u8) < 0)
            {
                return null;
            }

            var code = (bytes[9] - '0') * 100 + (bytes[10] - '0') * 10 + (bytes[11] - '0');
            return code is 400 or 408 or 414 or 431 ? code : null;
        }
    }
}
