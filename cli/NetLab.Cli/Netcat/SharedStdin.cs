using System.Threading.Channels;

namespace NetLab.Cli.Netcat;

/// <summary>
/// stdin for <c>nc -l -k</c>, read by one pump for the whole run and handed to one connection after another.
/// </summary>
/// <remarks>
/// A console read cannot be cancelled. When each connection read stdin itself, the read still waiting when
/// its peer closed took the next line typed and sent it to the closed connection: the next client never
/// got it. Here only the pump reads stdin; a connection waits on the pump's queue, which can be cancelled,
/// and a chunk stays queued until a connection takes it. After stdin's end every later connection is
/// half-closed at once, as ncat does.
/// </remarks>
internal sealed class SharedStdin(Func<Stream> open, int bufferSize)
{
    private readonly Channel<byte[]> _chunks = Channel.CreateBounded<byte[]>(
        new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });

    private Task? _pump;
    private byte[]? _current;
    private int _offset;

    /// <summary>Up to <paramref name="destination"/>'s length of stdin, 0 at its end.</summary>
    public async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken ct)
    {
        if (_current is null)
        {
            _pump ??= Task.Run(PumpAsync, CancellationToken.None);
            if (!await _chunks.Reader.WaitToReadAsync(ct)) // throws what the pump hit, if it failed
            {
                return 0;
            }

            _chunks.Reader.TryRead(out _current);
            _offset = 0;
        }

        var n = Math.Min(destination.Length, _current!.Length - _offset);
        _current.AsSpan(_offset, n).CopyTo(destination.Span);
        _offset += n;
        if (_offset == _current.Length)
        {
            _current = null;
        }

        return n;
    }

    private async Task PumpAsync()
    {
        try
        {
            var stdin = open();
            var buffer = new byte[bufferSize];
            int n;
            while ((n = await stdin.ReadAsync(buffer)) > 0)
            {
                await _chunks.Writer.WriteAsync(buffer.AsSpan(0, n).ToArray());
            }

            _chunks.Writer.Complete();
        }
        catch (Exception e)
        {
            _chunks.Writer.Complete(e);
        }
    }
}
