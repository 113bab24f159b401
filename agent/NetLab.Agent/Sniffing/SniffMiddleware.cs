using System.IO.Pipelines;
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

        var verdict = await SniffAsync(connection.Transport.Input);
        Log.Sniffed(lab.Logger, connection.Peer(), verdict.ToString());
        switch (verdict)
        {
            case SniffVerdict.Tls:
                await next(connection);
                return;
            case SniffVerdict.Http:
                await Http(connection);
                return;
            case SniffVerdict.BadHttpVersion:
                await BadVersionResponse.WriteAsync(connection.Transport.Output);
                break;
            default:
                using (var session = new TextSession(connection, lab, insideTls))
                {
                    switch (await session.RunAsync())
                    {
                        case SessionEnd.HandToHttp:
                            await Http(connection);
                            return;
                        case SessionEnd.BadHttpVersion:
                            await BadVersionResponse.WriteAsync(connection.Transport.Output);
                            break;
                    }
                }

                break;
        }

        await CloseNotifyAsync(connection);
    }

    // Inside TLS, Kestrel's HTTP delegate is our own next; outside, the one the post-TLS sniffer captured.
    private Task Http(ConnectionContext connection) =>
        HalfCloseTolerantConnection.ServeAsync(insideTls ? next : handoff.Http, connection);

    /// <summary>
    /// Peeks until the bytes decide, the window passes (silence means a person at a keyboard: text), or EOF.
    /// Nothing is consumed: <c>AdvanceTo(start, end)</c> while undecided, <c>AdvanceTo(start)</c> to hand off.
    /// The window is not linked to ConnectionClosed: that fires on the client's FIN, and a client that
    /// half-closes after its request (<c>printf ... | nc -q1</c>) must still be answered.
    /// </summary>
    private async Task<SniffVerdict> SniffAsync(PipeReader input)
    {
        using var window = CancellationTokenSource.CreateLinkedTokenSource(lab.Stopping);
        window.CancelAfter(lab.Options.SniffTimeout);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(window.Token);
            }
            catch (OperationCanceledException)
            {
                return SniffVerdict.Text;
            }

            var verdict = Sniffer.Classify(result.Buffer, allowTls: !insideTls);
            if (verdict != SniffVerdict.NeedMore || result.IsCompleted)
            {
                input.AdvanceTo(result.Buffer.Start);
                return verdict == SniffVerdict.NeedMore ? SniffVerdict.Text : verdict;
            }

            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
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
