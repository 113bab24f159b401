using System.Net;
using NetLab.Agent.Internet;

namespace NetLab.Agent.Connections;

/// <summary>
/// Open TCP connections, in total and per client address, with the limits of <see cref="AgentLimits"/>.
/// Loopback is never refused and never counted: the host's own checks (idle-check's /health) must always get
/// through. When the table is full, a new address is still served: the oldest idle connection of the address
/// holding the most is closed to make room, so a few addresses cannot lock the lab for everyone.
/// </summary>
internal sealed class ConnectionTable(AgentLimits limits, TrustedSources sources)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<IPAddress, List<LabConnection>> _byAddress = [];
    private int _remote;
    private int _loopback;
    private long _accepted;
    private long _shed;
    private long _refused;

    /// <summary>Connections open now, loopback included.</summary>
    public int Open
    {
        get
        {
            lock (_gate)
            {
                return _remote + _loopback;
            }
        }
    }

    /// <summary>Connections from other machines open now.</summary>
    public int OpenRemote
    {
        get
        {
            lock (_gate)
            {
                return _remote;
            }
        }
    }

    /// <summary>Connections accepted since start.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Connections closed to make room for a new address.</summary>
    public long ShedCount => Interlocked.Read(ref _shed);

    /// <summary>Connections refused (over the per-address limit, or the table full of their own address's).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Counts the connection in, or returns the error line that refuses it.</summary>
    public string? TryEnter(LabConnection connection)
    {
        Interlocked.Increment(ref _accepted);
        if (connection.IsLoopback)
        {
            lock (_gate)
            {
                _loopback++;
            }

            return null;
        }

        LabConnection? victim;
        lock (_gate)
        {
            var mine = _byAddress.GetValueOrDefault(connection.Address);
            var count = mine?.Count ?? 0;
            var source = sources.For(connection.Address);
            if (count >= source.MaxConnections)
            {
                Interlocked.Increment(ref _refused);
                return $"ERROR too many connections from {connection.Address}: the limit is {source.MaxConnections} per address; close some and try again"
                    + LimitAdvice.ForClass(source);
            }

            victim = null;
            if (_remote >= limits.MaxConnections)
            {
                victim = OldestIdleOfTheBusiest(connection.Address, count);
                if (victim is null)
                {
                    Interlocked.Increment(ref _refused);
                    return $"ERROR too many connections: the agent is at its limit of {limits.MaxConnections}, and {connection.Address} holds as many as anyone; close some and try again";
                }

                Remove(victim);
            }

            if (mine is null)
            {
                _byAddress[connection.Address] = mine = [];
            }

            mine.Add(connection);
            connection.Counted = true;
            _remote++;
        }

        if (victim is not null)
        {
            Interlocked.Increment(ref _shed);
            victim.ShedNow($"ERROR the agent is full ({limits.MaxConnections} connections) and {victim.Address} holds the most: closing this idle connection to make room for another address");
        }

        return null;
    }

    public void Exit(LabConnection connection)
    {
        lock (_gate)
        {
            if (connection.IsLoopback)
            {
                _loopback--;
            }
            else if (connection.Counted)
            {
                Remove(connection);
            }
        }
    }

    // Under _gate.
    private void Remove(LabConnection connection)
    {
        var list = _byAddress[connection.Address];
        list.Remove(connection);
        if (list.Count == 0)
        {
            _byAddress.Remove(connection.Address);
        }

        connection.Counted = false;
        _remote--;
    }

    // Under _gate: the address holding the most connections, if it holds more than the newcomer; its least recently active one.
    private LabConnection? OldestIdleOfTheBusiest(IPAddress newcomer, int newcomerCount)
    {
        List<LabConnection>? busiest = null;
        foreach (var (address, list) in _byAddress)
        {
            if (!address.Equals(newcomer) && list.Count > (busiest?.Count ?? newcomerCount))
            {
                busiest = list;
            }
        }

        return busiest?.MinBy(c => c.LastActivity);
    }
}
