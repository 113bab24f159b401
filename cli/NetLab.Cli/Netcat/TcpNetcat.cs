using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using NetLab.Agent.Certificates;

namespace NetLab.Cli.Netcat;

/// <summary>nc over TCP: connect or listen (-l, -k for one connection after another), with --ssl as ncat does it.</summary>
internal sealed class TcpNetcat(NetcatRun run)
{
    private readonly NetcatOptions _options = run.Options;

    // With -l -k, one reader of stdin for all the connections in turn (SharedStdin says why).
    private readonly SharedStdin? _sharedStdin = run.Options.Listen && run.Options.KeepOpen ? new SharedStdin(run.IO.OpenStdin, NetcatRun.BufferSize) : null;

    public Task RunAsync(CancellationToken ct) =>
        _options.Listen ? ListenAsync(ct) : _options.Ssl ? ConnectTlsAsync(ct) : ConnectPlainAsync(ct);

    private async Task ListenAsync(CancellationToken ct)
    {
        var endpoint = await NetcatEndpoints.ListenAsync(_options, ct);
        using var listener = NetcatEndpoints.Bind(new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp), _options, endpoint);
        listener.Listen(16);
        run.Verbose($"Listening on {NetcatEndpoints.Listening(_options, listener.LocalEndPoint)}");
        do
        {
            using var peer = await listener.AcceptAsync(ct);
            peer.NoDelay = true;
            run.Verbose($"Connection from {NetcatErrors.Plain(peer.RemoteEndPoint)}.");
            await ServeAcceptedAsync(peer, ct);
        }
        while (_options.KeepOpen && !ct.IsCancellationRequested);
    }

    private async Task<Socket> ConnectAsync(CancellationToken ct)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(_options.Wait);
        try
        {
            var socket = await Lab.Net.ConnectAsync(_options.Host!, _options.Port, wait.Token);
            run.Verbose($"Connected to {NetcatEndpoints.Connected(_options, socket.RemoteEndPoint)}.");
            return socket;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new SocketException((int)SocketError.TimedOut);
        }
    }

    private async Task ConnectPlainAsync(CancellationToken ct)
    {
        using var socket = await ConnectAsync(ct);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await Session().ServeAsync(socket, stream, ct);
    }

    private async Task ConnectTlsAsync(CancellationToken ct)
    {
        // The TCP connect waits for the ClientHello (ConnectOnWriteStream says why).
        var transport = new Lab.ConnectOnWriteStream(_options.Host!, _options.Port, _options.Wait);
        await using var ssl = new SslStream(transport, leaveInnerStreamOpen: false);
        try
        {
            await Lab.ConnectOnWriteStream.AuthenticateAsync(ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = _options.Host,
#pragma warning disable CA5359 // as ncat --ssl: encrypt, do not verify; `netlab tls` shows and pins the certificate
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
#pragma warning restore CA5359
            }, ct), transport);
        }
        catch (Exception e) when (transport.ConnectError is null && NetcatErrors.IsHandshakeFailure(e))
        {
            throw NetcatErrors.Tls(e, $"to {_options.Where}");
        }

        run.Verbose($"Connected to {NetcatEndpoints.Connected(_options, transport.Socket.RemoteEndPoint)}.");
        run.Verbose($"{Lab.TlsClient.TlsVersion(ssl.SslProtocol)}, {ssl.NegotiatedCipherSuite}; certificate {ssl.RemoteCertificate?.Subject}");
        await Session().ServeAsync(transport.Socket, ssl, ct);
    }

    private async Task ServeAcceptedAsync(Socket peer, CancellationToken ct)
    {
        await using var stream = new NetworkStream(peer, ownsSocket: false);
        if (!_options.Ssl)
        {
            await Session().ServeAsync(peer, stream, ct);
            return;
        }

        await using var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        var certificate = AgentCertificate.CreateEphemeral();
        run.Verbose($"TLS certificate SHA-256 {certificate.Fingerprint}");
        try
        {
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateContext = await certificate.ServerContext }, ct);
        }
        catch (Exception e) when (NetcatErrors.IsHandshakeFailure(e))
        {
            // As ncat: said always (a client that cannot connect is the one thing to know), and with -k the next one is served.
            var failure = NetcatErrors.Tls(e, $"from {NetcatErrors.Plain((peer.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None)}");
            if (!_options.KeepOpen)
            {
                throw failure;
            }

            run.IO.Error.WriteLine($"netlab nc: {failure.Message}");
            return;
        }

        run.Verbose($"{Lab.TlsClient.TlsVersion(ssl.SslProtocol)}, {ssl.NegotiatedCipherSuite}");
        await Session().ServeAsync(peer, ssl, ct);
    }

    /// <summary>Each connection's copies, with their own line-ending state.</summary>
    private NetcatSession Session() => new(run, _sharedStdin);
}
