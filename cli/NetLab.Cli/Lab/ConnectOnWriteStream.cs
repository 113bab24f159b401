using System.Net.Sockets;
using System.Runtime.ExceptionServices;

namespace NetLab.Cli.Lab;

/// <summary>
/// A TCP stream that connects on its first write and sends that write straight after the handshake, as
/// openssl s_client sends its ClientHello. Put under a TLS client, the hello is ready (code compiled, OpenSSL
/// set up) before the connection exists.
/// </summary>
/// <remarks>
/// Why: the agent takes a connection that stays silent for its sniff window (300 ms) for a text session and
/// sends the banner, which a TLS client then reads as a corrupt record. A cold netlab connected first and
/// spent 30-50 ms setting up TLS before its hello on an idle machine, past 300 ms on a loaded one (a CI run
/// failed so). Connecting first and sending from async continuations still left 5-10 ms cold; the connect
/// and the send here run back to back on one thread: 0.1 ms from the server's accept to the hello.
/// </remarks>
internal sealed class ConnectOnWriteStream(string host, int port, TimeSpan? timeout = null) : Stream
{
    private Task<NetworkStream>? _connecting;
    private NetworkStream? _stream;
    private bool _disposed;

    /// <summary>The connected socket (for half-closes); only after the first write.</summary>
    public Socket Socket => _stream?.Socket ?? throw new InvalidOperationException("The stream has not connected yet.");

    /// <summary>Why the connect failed, if it did: the error to report, not what TLS made of it.</summary>
    public Exception? ConnectError { get; private set; }

    private byte[]? _firstReply;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>
    /// Awaits a TLS client's handshake over <paramref name="transport"/>; when the connect itself failed, throws
    /// the connect's exception (refused, timed out, cancelled) rather than what TLS made of it.
    /// </summary>
    public static async Task AuthenticateAsync(Task handshake, ConnectOnWriteStream transport)
    {
        try
        {
            await handshake;
        }
        catch when (transport.ConnectError is not null)
        {
            ExceptionDispatchInfo.Throw(transport.ConnectError);
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException && transport.FirstTextLine is { } line)
        {
            // The agent answered in plain text, not TLS: a refusal that says why (a limit), or a banner.
            throw new PlainTextReplyException(line, e);
        }
    }

    /// <summary>What the peer sent first, when it was a line of text (an agent's refusal, a banner) rather than a TLS record.</summary>
    public string? FirstTextLine => _firstReply is [>= 0x20 and < 0x7f, ..] bytes
        ? System.Text.Encoding.UTF8.GetString(bytes).Split('\n')[0].TrimEnd('\r')
        : null;

    // Once connected, straight to the socket's stream: no task per read or write on a bulk transfer.
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _stream is { } stream ? stream.WriteAsync(buffer, cancellationToken) : WriteFirstAsync(buffer, cancellationToken);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _firstReply is not null && _stream is { } stream ? stream.ReadAsync(buffer, cancellationToken) : ReadKeepingFirstAsync(buffer, cancellationToken);

    // The first read that brings data keeps what came (a few hundred bytes), for FirstTextLine.
    private async ValueTask<int> ReadKeepingFirstAsync(Memory<byte> buffer, CancellationToken ct)
    {
        var n = _stream is { } stream ? await stream.ReadAsync(buffer, ct) : await ReadFirstAsync(buffer, ct);
        if (n > 0)
        {
            _firstReply ??= buffer[..Math.Min(n, 512)].ToArray(); // not a zero-byte read (SslStream waits for data with one)
        }

        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Flush() => _stream?.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _stream?.FlushAsync(cancellationToken) ?? Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _disposed = true;
            _stream?.Dispose();
        }

        base.Dispose(disposing);
    }

    private async ValueTask WriteFirstAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct)
    {
        if (_connecting is null)
        {
            await ConnectAsync(buffer, ct); // sends the buffer too
            return;
        }

        await (await _connecting).WriteAsync(buffer, ct); // a write while the first one connects
    }

    private async ValueTask<int> ReadFirstAsync(Memory<byte> buffer, CancellationToken ct) =>
        await (await ConnectAsync(default, ct)).ReadAsync(buffer, ct);

    private Task<NetworkStream> ConnectAsync(ReadOnlyMemory<byte> first, CancellationToken ct) =>
        _connecting ??= Task.Run(() => Connect(first, ct), CancellationToken.None); // blocking: off the caller's thread

    private NetworkStream Connect(ReadOnlyMemory<byte> first, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (timeout is { } limit)
        {
            deadline.CancelAfter(limit);
        }

        var socket = Net.NewSocket();
        try
        {
            using (deadline.Token.Register(socket.Dispose)) // closing the socket ends a blocking connect
            {
                socket.Connect(Net.RemoteEndPoint(host, port));
                Wire.LocalEndpoints.Record(socket);

                for (var sent = 0; sent < first.Length;)
                {
                    sent += socket.Send(first.Span[sent..]);
                }
            }

            deadline.Token.ThrowIfCancellationRequested();
            ObjectDisposedException.ThrowIf(_disposed, this);

            return _stream = new NetworkStream(socket, ownsSocket: true);
        }
        catch (Exception e)
        {
            socket.Dispose();
            ConnectError = ct.IsCancellationRequested ? new OperationCanceledException(ct)
                : deadline.IsCancellationRequested ? new SocketException((int)SocketError.TimedOut)
                : e;
            if (ConnectError == e)
            {
                throw;
            }

            throw ConnectError;
        }
    }
}
