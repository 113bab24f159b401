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
public sealed class HttpHandoff
{
    public ConnectionDelegate Http { get; set; } = _ => throw new InvalidOperationException("the HTTP delegate was not captured");
}

/// <summary>
/// Decides what a connection is and routes it. Before TLS: TLS goes on to <c>UseHttps</c>, HTTP to Kestrel's
/// HTTP delegate, anything else (or silence) to a text session. Inside TLS: the same, minus TLS, and a client
/// that negotiated ALPN goes straight to HTTP.
/// </summary>
public sealed class SniffMiddleware(ConnectionDelegate next, HttpHandoff handoff, LabServices lab, bool insideTls)
{
    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        if (insideTls && !(connection.Features.Get<ITlsApplicationProtocolFeature>()?.ApplicationProtocol.IsEmpty ?? true))
        {
            await Http(connection);
            return;
        }

        var verdict = await Sniffer.SniffAsync(connection.Transport.Input, allowTls: !insideTls, lab.Options.SniffTimeout, lab.Stopping);
        Log.Sniffed(lab.Logger, connection.Peer(), verdict.ToString());
        switch (verdict)
        {
            case SniffVerdict.Tls:
                await next(connection);
                return;
            case SniffVerdict.Http:
                await Http(connection);
                return;
        }

        var end = SessionEnd.BadHttpVersion;
        if (verdict == SniffVerdict.Text)
        {
            using var session = new TextSession(connection, lab, insideTls);
            end = await session.RunAsync();
        }

        switch (end)
        {
            case SessionEnd.HandToHttp:
                await Http(connection);
                return;
            case SessionEnd.BadHttpVersion:
                await BadVersionResponse.WriteAsync(connection.Transport.Output);
                break;
        }

        await CloseNotifyAsync(connection);
        if (end != SessionEnd.Closed)
        {
            // An error answer while the client may still be sending: let it read the answer.
            await LingeringClose.RunAsync(connection, lab.Stopping);
        }
    }

    // Inside TLS, Kestrel's HTTP delegate is our own next; outside, the one the post-TLS sniffer captured.
    // Kestrel ends a TLS connection with a bare FIN; a polite TLS server sends close_notify first.
    private async Task Http(ConnectionContext connection)
    {
        await HalfCloseTolerantConnection.ServeAsync(insideTls ? next : handoff.Http, connection);
        await CloseNotifyAsync(connection);
    }

    /// <summary>Ends a TLS connection we served ourselves with close_notify (RFC 8446 §6.1), not a bare FIN.</summary>
    private async Task CloseNotifyAsync(ConnectionContext connection)
    {
        var tls = insideTls ? connection.Features.Get<ISslStreamFeature>()?.SslStream : null;
        try
        {
            await connection.Transport.Output.FlushAsync();
            if (tls is not null)
            {
                await tls.ShutdownAsync();
            }
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or ObjectDisposedException or InvalidOperationException)
        {
            // The client left first.
        }
    }
}
