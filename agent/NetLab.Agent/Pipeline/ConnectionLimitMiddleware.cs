using Microsoft.AspNetCore.Connections;
using NetLab.Agent.Closing;
using NetLab.Agent.Connections;
using NetLab.Agent.Internet;

namespace NetLab.Agent.Pipeline;

/// <summary>
/// The first middleware: admits the connection into the <see cref="ConnectionTable"/> (a refused client is told
/// why in one line, unlike Kestrel's own limit, which closes silently), gives it a <see cref="LabConnection"/>
/// with its egress account, meters connections from other machines, and turns whatever a client makes go wrong
/// further up into one rate-limited log line instead of a stack trace.
/// </summary>
/// <param name="next">The rest of the chain.</param>
/// <param name="connections">The table every connection enters (and may be refused or shed by).</param>
/// <param name="egress">Where each connection's egress account is opened.</param>
/// <param name="clientLog">Where a connection that failed is said, once, in one line.</param>
/// <param name="time">The agent's clock.</param>
/// <param name="stopping">Cancelled when the agent stops: what fails then is the stop's doing.</param>
internal sealed class ConnectionLimitMiddleware(
    ConnectionDelegate next, ConnectionTable connections, EgressBudget egress, ClientLog clientLog, TimeProvider time, CancellationToken stopping)
{
    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var peer = connection.Peer();
        using var admitted = new LabConnection(connection, peer, egress.Open(peer.Address), time);
        var refusal = connections.TryEnter(admitted);
        if (refusal is not null)
        {
            try
            {
                connection.Transport.Output.WriteLine(refusal);
                await LingeringClose.RunAsync(connection, time, CancellationToken.None);
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
        catch (Exception e) when (ClientLog.IsClientCaused(e) || stopping.IsCancellationRequested)
        {
            clientLog.ClientFailed(peer.Address, "connection ended abnormally", e);
        }
        catch (Exception e)
        {
            clientLog.Unexpected(peer.Address, "its connection was closed", e);
        }
        finally
        {
            connection.Transport = transport;
            connections.Exit(admitted);
        }
    }
}
