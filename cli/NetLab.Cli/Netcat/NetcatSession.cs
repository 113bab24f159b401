using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;

namespace NetLab.Cli.Netcat;

/// <summary>One TCP connection's two copies, console to stream and stream to console, under the rules <see cref="NetcatRun"/> states.</summary>
internal sealed class NetcatSession(NetcatRun run, SharedStdin? sharedStdin)
{
    private const int BufferSize = NetcatRun.BufferSize;
    private readonly NetcatOptions _options = run.Options;

    /// <summary>Copies between the console and <paramref name="stream"/> (the socket's, or TLS over it) until done.</summary>
    public async Task ServeAsync(Socket socket, Stream stream, CancellationToken ct)
    {
        run.Counters.Connections++;
        var ssl = stream as SslStream;
        using var stopStdin = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var toStdout = _options.SendOnly ? Task.CompletedTask : CopyToStdoutAsync(stream, ct);
        var fromStdin = _options.RecvOnly ? Task.CompletedTask : CopyFromStdinAsync(stream, socket, ssl, stopStdin.Token);

        if (_options.SendOnly)
        {
            await fromStdin;
            await DrainAsync(stream, ct);
            return;
        }

        // The peer closing ends the session; stdin EOF only half-closes.
        if (await Task.WhenAny(toStdout, fromStdin) == fromStdin)
        {
            await fromStdin; // surfaces a send error
        }

        await toStdout;
        if (sharedStdin is not null)
        {
            // -k: stop waiting for stdin, so what is typed next goes to the next connection.
            await stopStdin.CancelAsync();
            await fromStdin.ContinueWith(t => t.Exception, TaskScheduler.Default);
            return;
        }

        // A console read cannot be cancelled: the copy still waiting is left behind, and the run ends.
        _ = fromStdin.ContinueWith(t => t.Exception, TaskScheduler.Default);
    }

    private async Task CopyToStdoutAsync(Stream stream, CancellationToken ct)
    {
        var stdout = run.IO.OpenStdout();
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int n;
            while ((n = await ReadOrEndAsync(stream, buffer, ct)) > 0)
            {
                await stdout.WriteAsync(buffer.AsMemory(0, n), ct);
                await stdout.FlushAsync(ct);
                run.Counters.Received += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task CopyFromStdinAsync(Stream stream, Socket socket, SslStream? ssl, CancellationToken ct)
    {
        Func<Memory<byte>, CancellationToken, ValueTask<int>> read = sharedStdin is not null ? sharedStdin.ReadAsync : run.IO.OpenStdin().ReadAsync;
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var crlf = _options.Crlf ? new CrlfConverter() : null;
        var converted = crlf is not null ? ArrayPool<byte>.Shared.Rent(CrlfConverter.MaxOutput(BufferSize)) : null;
        try
        {
            int n;
            var paced = _options.Interval > TimeSpan.Zero;
            while ((n = await read(buffer.AsMemory(0, BufferSize), ct)) > 0)
            {
                // -i: a line at a time with a pause after each, as nc -i; otherwise each chunk as it came.
                for (var start = 0; start < n;)
                {
                    var end = paced ? LineEnd(buffer, start, n) : n;
                    var chunk = crlf is not null ? crlf.Convert(buffer.AsSpan(start, end - start), converted!) : buffer.AsMemory(start, end - start);
                    await stream.WriteAsync(chunk, ct);
                    run.Counters.Sent += chunk.Length;
                    if (paced && buffer[end - 1] == '\n')
                    {
                        await stream.FlushAsync(ct);
                        await Task.Delay(_options.Interval, ct);
                    }

                    start = end;
                }
            }

            await stream.FlushAsync(ct);
            if (ssl is not null)
            {
                await ssl.ShutdownAsync();
            }

            socket.Shutdown(SocketShutdown.Send);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (converted is not null)
            {
                ArrayPool<byte>.Shared.Return(converted);
            }
        }
    }

    /// <summary>Just past the first LF at or after <paramref name="start"/>, or <paramref name="end"/> when there is none.</summary>
    private static int LineEnd(byte[] buffer, int start, int end)
    {
        var lf = Array.IndexOf(buffer, (byte)'\n', start, end - start);
        return lf < 0 ? end : lf + 1;
    }

    private static async Task DrainAsync(Stream stream, CancellationToken ct)
    {
        var buffer = new byte[BufferSize];
        while (await ReadOrEndAsync(stream, buffer, ct) > 0)
        {
        }
    }

    /// <summary>A read where a reset or a TLS peer that skips close_notify counts as the end.</summary>
    private static async Task<int> ReadOrEndAsync(Stream stream, byte[] buffer, CancellationToken ct)
    {
        try
        {
            return await stream.ReadAsync(buffer.AsMemory(0, BufferSize), ct);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
