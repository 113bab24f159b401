using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using NetLab.Agent.Certificates;

namespace NetLab.Cli.Netcat;

/// <summary>
/// A netcat for machines without one. End-of-stream rules, stated once (ncat's most asked question):
/// stdin EOF half-closes the connection (TCP FIN, after a TLS close_notify with --ssl) and output keeps
/// draining until the peer closes; the peer closing ends the session even if stdin is still open.
/// --send-only never reads the network (but drains it after EOF, so the close is clean); --recv-only never
/// reads stdin. UDP: each stdin line is one datagram; after stdin EOF, replies are awaited for --wait.
/// </summary>
internal sealed class Netcat(NetcatOptions options, CliIO io, NetcatCounters counters)
{
    private const int BufferSize = 64 * 1024;

    // With -l -k, one reader of stdin for all the connections in turn (SharedStdin says why).
    private readonly SharedStdin? _sharedStdin = options.Listen && options.KeepOpen ? new SharedStdin(io.OpenStdin, BufferSize) : null;

    public async Task RunAsync(CancellationToken ct)
    {
        if (options.Udp)
        {
            await (options.Listen ? UdpListenAsync(ct) : UdpConnectAsync(ct));
            return;
        }

        if (!options.Listen)
        {
            await (options.Ssl ? ConnectTlsAsync(ct) : ConnectPlainAsync(ct));
            return;
        }

        var endpoint = await ListenEndpointAsync(ct);
        using var listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (options.Host is null)
        {
            listener.DualMode = true; // no address given: IPv4 and IPv6, like ncat -l
        }

        listener.Bind(endpoint);
        listener.Listen(16);
        Verbose($"Listening on {Listening(listener.LocalEndPoint)}");
        do
        {
            using var peer = await listener.AcceptAsync(ct);
            peer.NoDelay = true;
            Verbose($"Connection from {NetcatErrors.Plain(peer.RemoteEndPoint)}.");
            await ServeAcceptedAsync(peer, ct);
        }
        while (options.KeepOpen && !ct.IsCancellationRequested);
    }

    private async Task<Socket> ConnectAsync(CancellationToken ct)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(options.Wait);
        try
        {
            var socket = await Lab.Net.ConnectAsync(options.Host!, options.Port, wait.Token);
            Verbose($"Connected to {Connected(socket)}.");
            return socket;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new SocketException((int)SocketError.TimedOut);
        }
    }

    /// <summary>Where -l listens: every address (IPv6 and IPv4) when none is given, else the address, or the name's first address.</summary>
    private async Task<IPEndPoint> ListenEndpointAsync(CancellationToken ct)
    {
        var address = options.Host is null ? IPAddress.IPv6Any
            : IPAddress.TryParse(options.Host, out var ip) ? ip
            : (await Dns.GetHostAddressesAsync(options.Host, ct)).OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).First();
        return new IPEndPoint(address, options.Port);
    }

    /// <summary>The listening address as ncat prints it: both families for a dual-mode socket.</summary>
    private string Listening(EndPoint? local) =>
        options.Host is null && local is IPEndPoint ip ? $"[::]:{ip.Port} and 0.0.0.0:{ip.Port}" : NetcatErrors.Plain(local);

    /// <summary>What -v says was reached: host:port as written, and the address a name resolved to.</summary>
    private string Connected(Socket socket)
    {
        var where = Lab.Net.Endpoint(options.Host!, options.Port);
        return IPAddress.TryParse(options.Host, out _) || socket.RemoteEndPoint is not IPEndPoint remote
            ? where
            : $"{where} ({NetcatErrors.Plain(remote.Address)})";
    }

    private async Task ConnectPlainAsync(CancellationToken ct)
    {
        using var socket = await ConnectAsync(ct);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await ServeAsync(socket, stream, ct);
    }

    private async Task ConnectTlsAsync(CancellationToken ct)
    {
        // The TCP connect waits for the ClientHello (ConnectOnWriteStream says why).
        var transport = new Lab.ConnectOnWriteStream(options.Host!, options.Port, options.Wait);
        await using var ssl = new SslStream(transport, leaveInnerStreamOpen: false);

        // Like ncat --ssl: encrypt, but do not verify (use `netlab tls` to see and pin the certificate).
        try
        {
            await Lab.ConnectOnWriteStream.AuthenticateAsync(ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = options.Host,
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            }, ct), transport);
        }
        catch (Exception e) when (transport.ConnectError is null && NetcatErrors.IsHandshakeFailure(e))
        {
            throw NetcatErrors.Tls(e, $"to {options.Where}");
        }

        Verbose($"Connected to {Connected(transport.Socket)}.");
        Verbose($"{Lab.TlsClient.TlsVersion(ssl.SslProtocol)}, {ssl.NegotiatedCipherSuite}; certificate {ssl.RemoteCertificate?.Subject}");
        await ServeAsync(transport.Socket, ssl, ct);
    }

    private async Task ServeAcceptedAsync(Socket peer, CancellationToken ct)
    {
        await using var stream = new NetworkStream(peer, ownsSocket: false);
        if (!options.Ssl)
        {
            await ServeAsync(peer, stream, ct);
            return;
        }

        await using var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        var certificate = AgentCertificate.CreateEphemeral();
        Verbose($"TLS certificate SHA-256 {certificate.Fingerprint}");
        try
        {
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateContext = await certificate.ServerContext }, ct);
        }
        catch (Exception e) when (NetcatErrors.IsHandshakeFailure(e))
        {
            // As ncat: said always (a client that cannot connect is the one thing to know), and with -k the next one is served.
            var failure = NetcatErrors.Tls(e, $"from {NetcatErrors.Plain((peer.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None)}");
            if (!options.KeepOpen)
            {
                throw failure;
            }

            io.Error.WriteLine($"netlab nc: {failure.Message}");
            return;
        }

        Verbose($"{Lab.TlsClient.TlsVersion(ssl.SslProtocol)}, {ssl.NegotiatedCipherSuite}");
        await ServeAsync(peer, ssl, ct);
    }

    /// <summary>Copies between the console and <paramref name="stream"/> (the socket's, or TLS over it) until done.</summary>
    private async Task ServeAsync(Socket socket, Stream stream, CancellationToken ct)
    {
        counters.Connections++;
        var ssl = stream as SslStream;
        using var stopStdin = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var toStdout = options.SendOnly ? Task.CompletedTask : CopyToStdoutAsync(stream, ct);
        var fromStdin = options.RecvOnly ? Task.CompletedTask : CopyFromStdinAsync(stream, socket, ssl, stopStdin.Token);

        if (options.SendOnly)
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
        if (_sharedStdin is not null)
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
        var stdout = io.OpenStdout();
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int n;
            while ((n = await ReadOrEndAsync(stream, buffer, ct)) > 0)
            {
                await stdout.WriteAsync(buffer.AsMemory(0, n), ct);
                await stdout.FlushAsync(ct);
                counters.Received += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task CopyFromStdinAsync(Stream stream, Socket socket, SslStream? ssl, CancellationToken ct)
    {
        Func<Memory<byte>, CancellationToken, ValueTask<int>> read = _sharedStdin is not null ? _sharedStdin.ReadAsync : io.OpenStdin().ReadAsync;
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var converted = options.Crlf ? ArrayPool<byte>.Shared.Rent(BufferSize * 2) : null;
        var lastWasCr = false;
        try
        {
            int n;
            var paced = options.Interval > TimeSpan.Zero;
            while ((n = await read(buffer.AsMemory(0, BufferSize), ct)) > 0)
            {
                // -i: a line at a time with a pause after each, as nc -i; otherwise each chunk as it came.
                for (var start = 0; start < n;)
                {
                    var end = paced ? LineEnd(buffer, start, n) : n;
                    var chunk = converted is not null ? ToCrlf(buffer.AsSpan(start, end - start), converted, ref lastWasCr) : buffer.AsMemory(start, end - start);
                    await stream.WriteAsync(chunk, ct);
                    counters.Sent += chunk.Length;
                    if (paced && buffer[end - 1] == '\n')
                    {
                        await stream.FlushAsync(ct);
                        await Task.Delay(options.Interval, ct);
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

    /// <summary>-C: a bare LF becomes CRLF (telnet's and the RFCs' line ending); CRLF stays as it is.</summary>
    internal static Memory<byte> ToCrlf(ReadOnlySpan<byte> input, byte[] output, ref bool lastWasCr)
    {
        var n = 0;
        foreach (var b in input)
        {
            if (b == '\n' && !lastWasCr)
            {
                output[n++] = (byte)'\r';
            }

            output[n++] = b;
            lastWasCr = b == '\r';
        }

        return output.AsMemory(0, n);
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

    private async Task UdpConnectAsync(CancellationToken ct)
    {
        var address = IPAddress.TryParse(options.Host, out var ip) ? ip : (await Dns.GetHostAddressesAsync(options.Host!, ct))[0];
        using var udp = new UdpClient(address.AddressFamily);
        udp.Connect(address, options.Port);
        Verbose($"Connected to {(address.ToString() == options.Host ? options.Where : $"{options.Where} ({address})")} (udp).");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var receiving = options.SendOnly ? Task.CompletedTask : UdpReceiveAsync(udp, remember: null, stop.Token);
        if (!options.RecvOnly)
        {
            await foreach (var line in ReadLinesAsync(ct))
            {
                await udp.SendAsync(line, ct);
                counters.Sent += line.Length;
                await PauseAsync(ct);
            }

            stop.CancelAfter(options.Wait);
        }

        await receiving;
    }

    private async Task UdpListenAsync(CancellationToken ct)
    {
        var endpoint = await ListenEndpointAsync(ct);
        using var udp = new UdpClient(endpoint.AddressFamily);
        if (options.Host is null)
        {
            udp.Client.DualMode = true;
        }

        udp.Client.Bind(endpoint);
        Verbose($"Listening on {Listening(udp.Client.LocalEndPoint)} (udp)");
        IPEndPoint? peer = null;
        var receiving = UdpReceiveAsync(udp, remembered => peer = remembered, ct);
        if (!options.RecvOnly)
        {
            await foreach (var line in ReadLinesAsync(ct))
            {
                if (peer is not null)
                {
                    await udp.SendAsync(line, peer, ct);
                    counters.Sent += line.Length;
                    await PauseAsync(ct);
                }
            }
        }

        await receiving;
    }

    private async Task UdpReceiveAsync(UdpClient udp, Action<IPEndPoint>? remember, CancellationToken ct)
    {
        var stdout = io.OpenStdout();
        try
        {
            while (true)
            {
                var datagram = await udp.ReceiveAsync(ct);
                remember?.Invoke(datagram.RemoteEndPoint);
                await stdout.WriteAsync(datagram.Buffer, ct);
                await stdout.FlushAsync(ct);
                counters.Received += datagram.Buffer.Length;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
            // ICMP port unreachable for an earlier datagram: nobody listens there.
        }
    }

    /// <summary>stdin split into lines, each with its LF (or CRLF with -C): one datagram per line.</summary>
    private async IAsyncEnumerable<byte[]> ReadLinesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var stdin = io.OpenStdin();
        var buffer = new byte[BufferSize];
        var pending = new List<byte>();
        int n;
        while ((n = await stdin.ReadAsync(buffer, ct)) > 0)
        {
            for (var i = 0; i < n; i++)
            {
                if (buffer[i] == '\n' && options.Crlf && (pending.Count == 0 || pending[^1] != '\r'))
                {
                    pending.Add((byte)'\r');
                }

                pending.Add(buffer[i]);
                if (buffer[i] == '\n' || pending.Count >= 65_000)
                {
                    yield return pending.ToArray();
                    pending.Clear();
                }
            }
        }

        if (pending.Count > 0)
        {
            yield return pending.ToArray();
        }
    }

    /// <summary>-i: the pause after each line sent.</summary>
    private Task PauseAsync(CancellationToken ct) => options.Interval > TimeSpan.Zero ? Task.Delay(options.Interval, ct) : Task.CompletedTask;

    private void Verbose(string message)
    {
        if (options.Verbose)
        {
            io.Error.WriteLine($"netlab nc: {message}");
            io.Error.Flush();
        }
    }
}
