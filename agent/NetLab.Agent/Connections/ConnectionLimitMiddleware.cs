using System.Net;
using Microsoft.AspNetCore.Connections;

namespace NetLab.Agent.Connections;

/// <summary>
/// Caps open connections in total and per client address. Unlike Kestrel's own limit, which closes silently,
/// a refused client is told why in one line.
/// </summary>
public sealed class ConnectionLimitMiddleware(ConnectionDelegate next, ConnectionCounter counter, AgentLimits limits)
{
    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var address = connection.Peer().Address;
        var refusal = counter.TryEnter(address, limits);
        if (refusal is not null)
        {
            connection.Transport.Output.WriteLine(refusal);
            await LingeringClose.RunAsync(connection, CancellationToken.None);
            return;
        }

        try
        {
            await next(connection);
        }
        finally
        {
            counter.Exit(address);
        }
    }
}

/// <summary>Open connections, in total and per client address.</summary>
public sealed class ConnectionCounter
{
    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private int _total;

    /// <summary>Connections open now.</summary>
    public int Open => Volatile.Read(ref _total);

    /// <summary>Connections accepted since start.</summary>
    public long Accepted { get; private set; }

    /// <summary>
    /// When a connection from another machine was last opened or closed (Environment.TickCount64), 0 for
    /// never. Loopback does not count: the host's own idle check asks /health over loopback.
    /// </summary>
    public long LastRemoteActivityTicks { get; private set; }

    /// <summary>Connections from other machines open now.</summary>
    public int OpenRemote { get; private set; }

    /// <summary>Counts the connection in, or returns the error line that refuses it.</summary>
    internal string? TryEnter(IPAddress address, AgentLimits limits)
    {
        lock (_perAddress)
        {
            if (_total >= limits.MaxConnections)
            {
                return $"ERROR too many connections: the agent is at its limit of {limits.MaxConnections}; try again later";
            }

            var mine = _perAddress.GetValueOrDefault(address);
            if (mine >= limits.MaxConnectionsPerAddress)
            {
                return $"ERROR too many connections from {address}: the limit is {limits.MaxConnectionsPerAddress} per address; close some and try again";
            }

            _perAddress[address] = mine + 1;
            _total++;
            Accepted++;
            if (!IPAddress.IsLoopback(address))
            {
                OpenRemote++;
                LastRemoteActivityTicks = Environment.TickCount64;
            }
            return null;
        }
    }

    internal void Exit(IPAddress address)
    {
        lock (_perAddress)
        {
            _total--;
            if (!IPAddress.IsLoopback(address))
            {
                OpenRemote--;
                LastRemoteActivityTicks = Environment.TickCount64;
            }

            if (--_perAddress[address] == 0)
            {
                _perAddress.Remove(address);
            }
        }
    }
}
