using System.Net.Sockets;
using System.Text;

namespace NetLab.Cli.Lab;

/// <summary>A text-session client: what a person at nc does, as code. Lines out end in LF; lines in lose CR/LF.</summary>
internal sealed class LineClient : IAsyncDisposable
{
    /// <summary>The first line of a netlab-agent's text session (the tutorial's ncat --sh-exec "echo Successfully Connected").</summary>
    public const string AgentBanner = "Successfully Connected";

    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    public LineClient(Stream stream) => Stream = stream;

    public Stream Stream { get; }

    /// <summary>With <see cref="GreetAsync"/>: the agent's answer to /whoami, "you are ADDRESS:PORT as the agent sees you".</summary>
    public string? SeenAs { get; private set; }

    private bool _greeted;

    /// <summary>
    /// Connects over plain TCP. With <paramref name="greet"/>, says /whoami at once, as a person who types first
    /// would: the agent knows a text session from the first line, without waiting out its sniff window (300 ms,
    /// and a round trip over the internet), and a lab command is never taken for a raw transfer.
    /// </summary>
    public static async Task<LineClient> ConnectAsync(string host, int port, CancellationToken ct, bool greet = false)
    {
        var socket = await Net.ConnectAsync(host, port, ct);
        var client = new LineClient(new NetworkStream(socket, ownsSocket: true));
        if (greet)
        {
            await client.GreetAsync(ct);
        }

        return client;
    }

    /// <summary>Says /whoami before the banner arrives (see <see cref="ConnectAsync"/>); <see cref="ReadBannerAsync"/> reads its answer.</summary>
    public async Task GreetAsync(CancellationToken ct)
    {
        _greeted = true;
        await SendLineAsync("/whoami", ct);
    }

    /// <summary>Reads the two banner lines and checks the first is the tutorial's "Successfully Connected".</summary>
    public async Task<(string Banner, string Hint)> ReadBannerAsync(CancellationToken ct)
    {
        var banner = await ReadLineAsync(ct);
        if (banner != AgentBanner)
        {
            throw new UnexpectedReplyException($"the banner a text session starts with \"{AgentBanner}\"", UnexpectedReplyException.Quote(banner));
        }

        var hint = await ReadLineAsync(ct);
        if (_greeted)
        {
            SeenAs = await ReadLineAsync(ct);
        }

        return (banner, hint);
    }

    public async Task SendLineAsync(string line, CancellationToken ct)
    {
        await Stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), ct);
        await Stream.FlushAsync(ct);
    }

    /// <summary>Reads one line; throws when the connection ends first.</summary>
    public async Task<string> ReadLineAsync(CancellationToken ct)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var line = Encoding.UTF8.GetString(_buffer, _start, newline - _start).TrimEnd('\r');
                _start = newline + 1;
                return line;
            }

            if (!await FillAsync(ct))
            {
                var rest = Encoding.UTF8.GetString(_buffer, _start, _end - _start);
                throw new PeerClosedException("another line", rest.Length == 0 ? "the connection closed" : $"the connection closed after \"{rest}\"");
            }
        }
    }

    /// <summary>Reads lines until one satisfies <paramref name="match"/>; returns it.</summary>
    public async Task<string> ReadLineMatchingAsync(Func<string, bool> match, string what, CancellationToken ct)
    {
        var seen = new List<string>();
        while (true)
        {
            string line;
            try
            {
                line = await ReadLineAsync(ct);
            }
            catch (PeerClosedException)
            {
                throw new PeerClosedException(what, seen.Count == 0 ? "the connection closed" : $"\"{string.Join(" | ", seen.TakeLast(3))}\", then the connection closed");
            }

            if (match(line))
            {
                return line;
            }

            seen.Add(line);
        }
    }

    /// <summary>True when the agent has closed the connection (EOF) with nothing more to read.</summary>
    public async Task<bool> AtEndAsync(CancellationToken ct) => _start == _end && !await FillAsync(ct);

    /// <summary>
    /// Reads raw bytes until EOF or for at most <paramref name="limit"/>, counting them (for /source); complete is false
    /// when the time ran out; head is the start of what came (an agent's ERROR line instead of the bytes shows there).
    /// </summary>
    public async Task<(long Bytes, bool Complete, string Head)> DrainAsync(TimeSpan limit, CancellationToken ct)
    {
        const int HeadBytes = 512;
        var head = new MemoryStream();
        head.Write(_buffer, _start, Math.Min(HeadBytes, _end - _start));
        long total = _end - _start;
        _start = _end = 0;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(limit);
        string Head() => Encoding.UTF8.GetString(head.ToArray());
        try
        {
            int n;
            while ((n = await Stream.ReadAsync(_buffer, deadline.Token)) > 0)
            {
                head.Write(_buffer, 0, (int)Math.Min(n, Math.Max(0, HeadBytes - head.Length)));
                total += n;
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (total, false, Head());
        }

        return (total, true, Head());
    }

    public async ValueTask DisposeAsync() => await Stream.DisposeAsync();

    private async Task<bool> FillAsync(CancellationToken ct)
    {
        if (_start > 0)
        {
            Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            throw new UnexpectedReplyException("a line", $"more than {_buffer.Length} bytes without a newline");
        }

        var n = await Stream.ReadAsync(_buffer.AsMemory(_end), ct);
        _end += n;
        return n > 0;
    }
}
