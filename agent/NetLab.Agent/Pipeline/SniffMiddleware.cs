using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using NetLab.Agent.Closing;
using NetLab.Agent.Connections;
using NetLab.Agent.Hosting;
using NetLab.Agent.Http;
using NetLab.Agent.Internet;
using NetLab.Agent.Listening;
using NetLab.Agent.Sniffing;
using NetLab.Agent.Text;
using NetLab.Agent.Transfers;

namespace NetLab.Agent.Pipeline;

/// <summary>
/// The chain's last link, put there by the composition (<see cref="LabPipeline.UseHttpEntry"/>): it passes every
/// connection on to Kestrel's HTTP unchanged, and holds that delegate so the sniffer before TLS can hand plain HTTP
/// straight to it. Kestrel builds the chain when it binds; <see cref="EnsureBound"/> makes a start without it fail
/// at once, not at the first plain HTTP request.
/// </summary>
internal sealed class HttpEntry
{
    private ConnectionDelegate? _http;

    /// <summary>Kestrel's HTTP connection delegate.</summary>
    public ConnectionDelegate Http => _http ?? throw new InvalidOperationException("the lab port's chain has no HTTP entry: UseHttpEntry must be its last link");

    /// <summary>The link itself: keeps Kestrel's HTTP delegate, and is it.</summary>
    public ConnectionDelegate Bind(ConnectionDelegate kestrelHttp)
    {
        _http = kestrelHttp;
        return kestrelHttp;
    }

    public void EnsureBound() => _ = Http;
}

/// <summary>How long the sniffer waits for a client to speak before it is taken for a text session.</summary>
/// <param name="Silence">The window (<c>--sniff-timeout</c>).</param>
/// <param name="BrowserSilence">The window for an address whose browser spoke HTTP moments ago (<c>--browser-sniff-timeout</c>; zero: off).</param>
internal sealed record SniffWindows(TimeSpan Silence, TimeSpan BrowserSilence);

/// <summary>
/// Decides what a connection is and routes it. Before TLS: an armed raw transfer (by how the connection
/// starts), TLS on to <c>UseHttps</c>, HTTP to Kestrel's HTTP delegate, anything else (or silence) to a text
/// session. Inside TLS: the same, minus transfers and TLS, and a client that negotiated ALPN goes straight to HTTP.
/// </summary>
/// <param name="next">The rest of the chain: TLS, before TLS.</param>
/// <param name="http">Where HTTP goes.</param>
/// <param name="windows">How long a silence lasts.</param>
/// <param name="browsers">Addresses that were browsing (their silent connections wait longer).</param>
/// <param name="transfers">Armed raw transfers, matched by how a connection starts.</param>
/// <param name="listens">Terminals on the host waiting for a connection from an address.</param>
/// <param name="text">What a text session uses (its port, limits, files, rooms, clock, log, stop).</param>
/// <param name="insideTls">Whether this sniffer sits inside TLS.</param>
internal sealed class SniffMiddleware(
    ConnectionDelegate next, HttpEntry http, SniffWindows windows, BrowserMemory browsers, ArmedTransfers transfers, ListenBridges listens, TextServices text, bool insideTls)
{
    private TimeProvider Time => text.Time;

    private CancellationToken Stopping => text.Stopping;

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        if (insideTls && !(connection.Features.Get<ITlsApplicationProtocolFeature>()?.ApplicationProtocol.IsEmpty ?? true))
        {
            await Http(connection);
            return;
        }

        var admitted = connection.Features.Get<LabConnection>();
        var peer = admitted?.Peer ?? connection.Peer();
        var browsing = !insideTls && windows.BrowserSilence > TimeSpan.Zero && browsers.IsBrowsing(peer.Address);
        var sniff = await Sniffer.SniffAsync(connection.Transport.Input, allowTls: !insideTls, Window(connection, browsing), Time, Stopping);
        Log.Sniffed(text.Logger, peer, sniff.ToString());
        if (!insideTls && sniff.Verdict == SniffVerdict.Text && (sniff.SawData || (browsing && !sniff.SawEnd && !Stopping.IsCancellationRequested)))
        {
            // Text typed first, or a silence that outlasted a browser's (which would have closed): a person is at this address.
            browsers.Forget(peer.Address);
        }

        if (!insideTls && transfers.Match(peer.Address, sniff) is { } transfer && await transfers.TryServeAsync(connection, admitted, transfer))
        {
            return;
        }

        if (!insideTls && sniff is { Verdict: SniffVerdict.Text, StartsWithCommand: false } && listens.Count > 0 && await listens.TryBridgeAsync(connection, peer))
        {
            return;
        }

        switch (sniff.Verdict)
        {
            case SniffVerdict.Tls:
                await next(connection);
                return;
            case SniffVerdict.Http:
                await Http(connection);
                return;
        }

        var end = SessionEnd.NotQuiteHttp;
        var notQuite = sniff.Verdict;
        ListenWait? listening = null;
        if (sniff.Verdict == SniffVerdict.Text)
        {
            using var session = new TextSession(connection.Transport, peer, admitted, text, insideTls);
            end = await session.RunAsync();
            notQuite = session.NotQuiteHttp;
            listening = session.Listening;
            await session.CloseAsync(); // from here on, this code alone writes to the connection
        }

        switch (end)
        {
            case SessionEnd.Listen when listening is not null:
                await listens.HoldAsync(connection, listening, Stopping);
                return;
            case SessionEnd.HandToHttp:
                await Http(connection);
                return;
            case SessionEnd.NotQuiteHttp:
                await NotQuiteHttpResponse.WriteAsync(connection.Transport.Output, text.Port, notQuite);
                break;
        }

        await CloseNotifyAsync(connection);
        if (end != SessionEnd.Closed)
        {
            // An error answer while the client may still be sending: let it read the answer.
            await LingeringClose.RunAsync(connection, Time, Stopping);
        }
    }

    /// <summary>
    /// The sniff window: the configured silence, stretched on a long path by what its round trip adds to the
    /// retransmission timeout, plus a round trip (at most <see cref="MaxWindow"/>). A client's first segment
    /// lost on the way arrives again only after the RTO: an HTTP request or a TLS hello must not be taken for
    /// silence (and get the text banner) because of one lost packet over an ocean. On loopback and a LAN the
    /// RTO is the kernel's minimum and the round trip nothing, so the configured window stands.
    /// </summary>
    private TimeSpan Window(ConnectionContext connection, bool browsing)
    {
        var configured = browsing ? Max(windows.Silence, windows.BrowserSilence) : windows.Silence;
        if (TcpInfo.Path(connection.Features.Get<IConnectionSocketFeature>()?.Socket) is not { } path)
        {
            return configured;
        }

        var (rtt, rto) = path;
        var stretched = configured + (rto > TcpInfo.MinRto ? rto - TcpInfo.MinRto : TimeSpan.Zero) + rtt;
        return stretched < MaxWindow ? stretched : MaxWindow > configured ? MaxWindow : configured;
    }

    private static readonly TimeSpan MaxWindow = TimeSpan.FromSeconds(3);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    // Kestrel ends a TLS connection with a bare FIN; a polite TLS server sends close_notify first.
    private async Task Http(ConnectionContext connection)
    {
        await HalfCloseTolerantConnection.ServeAsync(http.Http, connection);
        await CloseNotifyAsync(connection);
    }

    /// <summary>
    /// Ends a TLS connection we served ourselves with close_notify (RFC 8446 §6.1), not a bare FIN. A client that
    /// reads nothing more gets the stall timeout, then the connection is aborted.
    /// </summary>
    private async Task CloseNotifyAsync(ConnectionContext connection)
    {
        var tls = insideTls ? connection.Features.Get<ISslStreamFeature>()?.SslStream : null;
        try
        {
            await Progress.FlushAsync(connection.Transport.Output, text.Limits.StallTimeout, Time, Stopping);
            if (tls is not null)
            {
                await tls.ShutdownAsync().WaitAsync(text.Limits.StallTimeout, Time);
            }
        }
        catch (Exception e) when (e is StalledException or TimeoutException)
        {
            connection.Abort(new ConnectionAbortedException($"closing: {e.Message}"));
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or ObjectDisposedException or InvalidOperationException or ConnectionAbortedException or OperationCanceledException)
        {
            // The client left first, or the agent is stopping.
        }
    }
}
