using System.Net;

namespace NetLab.Agent.Internet;

/// <summary>
/// Who gets which per-address limits. The security group already says who may reach the host (the stack's
/// <c>allowedCidr</c>: <c>netlab up</c>'s /32, or a class's campus network), and passes it as <c>--trusted</c>.
/// A trusted source may be a whole class behind one NAT address, so it gets class-sized limits
/// (<see cref="AgentLimits"/>' Trusted* ones) and no per-address hourly egress budget (the daily total stays:
/// it is the cost bound). Anyone else gets the stranger limits. Loopback is always trusted.
/// </summary>
internal sealed class TrustedSources
{
    private readonly IReadOnlyList<IPNetwork> _networks;
    private readonly SourceLimits _stranger;
    private readonly SourceLimits _trusted;
    private readonly Lock _gate = new();
    private readonly AddressTable<SourceLimits> _decided;

    public TrustedSources(IReadOnlyList<IPNetwork> networks, AgentLimits limits)
    {
        _networks = networks;
        _stranger = new SourceLimits(false, limits.MaxConnectionsPerAddress, limits.MaxStoredBytesPerAddress, limits.MaxFilesPerAddress,
            limits.EgressPerAddressPerHour, limits.UdpPerSourcePerSecond, limits.MaxQueuedTransfersPerAddress);
        _trusted = new SourceLimits(true, limits.TrustedConnectionsPerAddress, limits.TrustedStoredBytesPerAddress, limits.TrustedFilesPerAddress,
            0, limits.TrustedUdpPerSourcePerSecond, limits.TrustedQueuedTransfersPerAddress);
        _decided = new AddressTable<SourceLimits>(Decide, forgettable: _ => true); // a decision is cheap to make again
    }

    /// <summary>No trusted network (the agent's default, and an open deployment): only loopback.</summary>
    public static TrustedSources None(AgentLimits limits) => new([], limits);

    /// <summary>The networks given with <c>--trusted</c>.</summary>
    public IReadOnlyList<IPNetwork> Networks => _networks;

    public bool IsTrusted(IPAddress address) => For(address).Trusted;

    /// <summary>The per-address limits of <paramref name="address"/>.</summary>
    public SourceLimits For(IPAddress address)
    {
        if (_networks.Count == 0)
        {
            return IPAddress.IsLoopback(address) ? _trusted : _stranger;
        }

        lock (_gate)
        {
            return _decided.GetOrAdd(address) ?? Decide(address);
        }
    }

    private SourceLimits Decide(IPAddress address)
    {
        address = AddressTable.Normalize(address);
        return IPAddress.IsLoopback(address) || _networks.Any(n => n.Contains(address)) ? _trusted : _stranger;
    }
}

/// <summary>One source's per-address limits.</summary>
/// <param name="Trusted">Inside a <c>--trusted</c> network, or loopback.</param>
/// <param name="MaxConnections">Open TCP connections.</param>
/// <param name="MaxStoredBytes">Bytes stored.</param>
/// <param name="MaxFiles">Files stored.</param>
/// <param name="EgressPerHour">Bytes sent per hour; zero: no per-address budget (the daily total still holds).</param>
/// <param name="UdpPerSecond">UDP datagrams echoed per second.</param>
/// <param name="MaxQueuedTransfers">Raw transfers armed at once, the one whose turn it is and those queued behind it.</param>
internal sealed record SourceLimits(bool Trusted, int MaxConnections, long MaxStoredBytes, int MaxFiles, long EgressPerHour, int UdpPerSecond, int MaxQueuedTransfers);
