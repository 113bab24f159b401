using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using NetLab.Agent.Connections;
using NetLab.Agent.Hosting;
using NetLab.Agent.Http;
using NetLab.Agent.Text;

namespace NetLab.Agent.Sniffing;

/// <summary>
/// Holds Kestrel's HTTP connection delegate, captured by the post-TLS sniffer (the last middleware before
/// HTTP) so the pre-TLS sniffer can hand plain HTTP straight to it.
/// </summary>
internal sealed class HttpHandoff
{
    public ConnectionDelegate Http { get; set; } = _ => throw new InvalidOperationException("the HTTP delegate was not captured");
}

/// <summary>
/// Decides what a connection is and routes it. Before TLS: an armed raw transfer (by how the connection
/// starts), TLS on to <c>UseHttps</c>, HTTP to Kestrel's HTTP delegate, anything else (or silence) to a text
/// session. Inside TLS: the same, minus transfers and TLS, and a client that negotiated ALPN goes straight to HTTP.
/// </summary>
internal sealed class SniffMiddleware(ConnectionDelegate next, HttpHandoff handoff, LabServices lab, bool insideTls)
{
    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        if (insideTls && !(connection.Features.Get<ITlsApplicationProtocolFeature>()?.ApplicationProtocol.IsEmpty ?? true))
        {
            await Http(connection);
            return;
        }

        var admitted = connection.Features.Get<LabConnection>();
        var peer = admitted?.Peer ?? connection.Peer();
        var browsing = !insideTls && lab.Options.BrowserSniffTimeout > TimeSpan.Zero && lab.Browsers.IsBrowsing(peer.Address);
        var sniff = await Sniffer.SniffAsync(connection.Transport.Input, allowTls: !insideTls, Window(connection, browsing), lab.Time, lab.Stopping);
        Log.Sniffed(lab.Logger, peer, sniff.ToString());
        if (!insideTls && sniff.Verdict == SniffVerdict.Text && (sniff.SawData || (browsing && !sniff.SawEnd && !lab.Stopping.IsCancellationRequested)))
        {
            // Text typed first, or a silence that outlasted a browser's (which would have closed): a person is at this address.
            lab.Browsers.Forget(peer.Address);
        }

        if (!insideTls && lab.Transfers.Match(peer.Address, sniff) is { } transfer && await lab.Transfers.TryServeAsync(connection, admitted, transfer))
        {
            return;
        }

        if (!insideTls && sniff is { Verdict: SniffVerdict.Text, StartsWithCommand: false } && lab.Listens.Count > 0 && await lab.Listens.TryBridgeAsync(connection, peer))
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
            using var session = new TextSession(connection.Transport, peer, lab.Port, admitted, lab.Text, insideTls);
            end = await session.RunAsync();
            notQuite = session.NotQuiteHttp;
            listening = session.Listening;
            await session.CloseAsync(); // from here on, this code alone writes to the connection
        }

        switch (end)
        {
            case SessionEnd.Listen when listening is not null:
                await lab.Listens.HoldAsync(connection, listening, lab.Stopping);
                return;
            case SessionEnd.HandToHttp:
                await Http(connection);
                return;
            case SessionEnd.NotQuiteHttp:
                await NotQuiteHttpResponse.WriteAsync(connection.Transport.Output, lab.Port, notQuite);
                break;
        }

        await CloseNotifyAsync(connection);
        if (end != SessionEnd.Closed)
        {
            // An error answer while the client may still be sending: let it read the answer.
            await LingeringClose.RunAsync(connection, lab.Time, lab.Stopping);
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
        var configured = browsing ? Max(lab.Options.SniffTimeout, lab.Options.BrowserSniffTimeout) : lab.Options.SniffTimeout;
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

    // Inside TLS, Kestrel's HTTP delegate is our own next; outside, the one the post-TLS sniffer captured.
    // Kestrel ends a TLS connection with a bare FIN; a polite TLS server sends close_notify first.
    private async Task Http(ConnectionContext connection)
    {
        await HalfCloseTolerantConnection.ServeAsync(insideTls ? next : handoff.Http, connection);
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
            await Progress.FlushAsync(connection.Transport.Output, lab.Limits.StallTimeout, lab.Time, lab.Stopping);
            if (tls is not null)
            {
                await tls.ShutdownAsync().WaitAsync(lab.Limits.StallTimeout, lab.Time);
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
