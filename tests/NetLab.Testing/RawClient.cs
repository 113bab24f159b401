using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NetLab.Testing;

/// <summary>A bare TCP client for the cases no classic tool covers (thousands of connections, exact bytes).</summary>
public sealed class RawClient : IAsyncDisposable
{
    private readonly StringBuilder _received = new();

    private RawClient(Socket socket) => Socket = socket;

    public Socket Socket { get; }

    public string Received => _received.ToString();

    public static async Task<RawClient> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        return new RawClient(socket);
    }

    public async Task SendAsync(string text) => await SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var n = await Socket.SendAsync(bytes);
            bytes = bytes[n..];
        }
    }

    /// <summary>Reads until the text has arrived; fails with what did arrive.</summary>
    public async Task<string> ReadUntilAsync(string text, int timeoutSeconds = 10)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        var buffer = new byte[16 * 1024];
        while (!_received.ToString().Contains(text, StringComparison.Ordinal))
        {
            int n;
            try
            {
                n = await Socket.ReceiveAsync(buffer, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"waited {timeoutSeconds} s for \"{text}\"; received:\n{_received}");
            }

            if (n == 0)
            {
                throw new EndOfStreamException($"closed before \"{text}\" arrived; received:\n{_received}");
            }

            _received.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }

        return _received.ToString();
    }

    /// <summary>Reads until the agent closes the connection; returns everything received.</summary>
    public async Task<string> ReadToEndAsync(int timeoutSeconds = 10)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        var buffer = new byte[64 * 1024];
        try
        {
            int n;
            while ((n = await Socket.ReceiveAsync(buffer, timeout.Token)) > 0)
            {
                _received.Append(Encoding.UTF8.GetString(buffer, 0, n));
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the agent did not close within {timeoutSeconds} s; received:\n{_received}");
        }
        catch (SocketException)
        {
            // Reset after the agent closed with unread input: what arrived before is the answer.
        }

        return _received.ToString();
    }

    public ValueTask DisposeAsync()
    {
        Socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
