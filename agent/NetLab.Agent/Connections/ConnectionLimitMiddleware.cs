using Microsoft.AspNetCore.Connections;
using NetLab.Agent.Hosting;
using NetLab.Agent.Internet;

namespace NetLab.Agent.Connections;

/// <summary>
/// The first middleware: admits the connection into the <see cref="ConnectionTable"/> (a refused client is told
/// why in one line, unlike Kestrel's own limit, which closes silently), gives it a <see cref="LabConnection"/>
/// with its egress account, meters connections from other machines, and turns whatever a client makes go wrong
/// further up into one rate-limited log line instead of a stack trace.
/// </summary>
internal sealed class ConnectionLimitMiddleware(ConnectionDelegate next, LabServices lab)
{
    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var peer = connection.Peer();
        using var admitted = new LabConnection(connection, peer, lab.Egress.Open(peer.Address), lab.Time);
        var refusal = lab.Connections.TryEnter(admitted);
        if (refusal is not null)
        {
            try
            {
                connection.Transport.Output.WriteLine(refusal);
                await LingeringClose.RunAsync(connection, lab.Time, CancellationToken.None);
            }
            catch (Exception e) when (ClientLog.IsClientCaused(e))
            {
                // It left before it could be told.
            }

            return;
        }

        connection.Features.Set(admitted);
        var transport = connection.Transport;
        if (!admitted.IsLoopback)
        {
            connection.Transport = new MeteredTransport(transport, admitted, connection);
        }

        try
        {
            await next(connection);
        }
        catch (Exception e) when (ClientLog.IsClientCaused(e) || lab.Stopping.IsCancellationRequested)
        {
            lab.ClientLog.ClientFailed(peer.Address, "connection ended abnormally", e);
        }
        catch (Exception e)
        {
            lab.ClientLog.Unexpected(peer.Address, "its connection was closed", e);
        }
        finally
        {
            connection.Transport = transport;
            lab.Connections.Exit(admitted);
        }
    }
}
