using System.Net;

namespace NetLab.Agent.Internet;

/// <summary>
/// What the agent remembers per client address, bounded: the one table behind lab use, the client log, the
/// egress budget, the UDP limiter and the trusted-source policy. A flood of (spoofed) addresses cannot make it
/// grow past <see cref="AddressTable.MaxTracked"/> entries: when a new address finds it full, the entries that can go
/// without losing anything go first (<c>forgettable</c>: a full bucket, an old timestamp); if that frees
/// nothing, the ones that matter least (<c>crowded</c>, when given); if still nothing, the new address is not
/// tracked (<see cref="GetOrAdd"/> returns null) and its owner applies the strangers' rule.
/// </summary>
/// <remarks>Not thread-safe: each owner holds its own lock, as it keeps other state under it.</remarks>
/// <typeparam name="T">One address's entry.</typeparam>
internal sealed class AddressTable<T>(Func<IPAddress, T> create, Func<T, bool> forgettable, Func<T, bool>? crowded = null, int capacity = AddressTable.MaxTracked)
    where T : class
{
    private readonly Dictionary<IPAddress, T> _entries = [];

    public int Count => _entries.Count;

    public IEnumerable<T> Values => _entries.Values;

    /// <summary>The entry of <paramref name="address"/> if it has one (IPv4-mapped IPv6 is the IPv4 address).</summary>
    public T? Find(IPAddress address) => _entries.GetValueOrDefault(AddressTable.Normalize(address));

    /// <summary>The entry of <paramref name="address"/>, made now if it had none; null when the table is full of entries that matter.</summary>
    public T? GetOrAdd(IPAddress address)
    {
        address = AddressTable.Normalize(address);
        if (_entries.TryGetValue(address, out var entry))
        {
            return entry;
        }

        if (_entries.Count >= capacity)
        {
            Evict(forgettable);
            if (_entries.Count >= capacity && crowded is not null)
            {
                Evict(crowded);
            }

            if (_entries.Count >= capacity)
            {
                return null;
            }
        }

        return _entries[address] = create(address);
    }

    public bool Remove(IPAddress address) => _entries.Remove(AddressTable.Normalize(address));

    private void Evict(Func<T, bool> which)
    {
        foreach (var address in _entries.Where(e => which(e.Value)).Select(e => e.Key).ToList())
        {
            _entries.Remove(address);
        }
    }
}

/// <summary>The bound every <see cref="AddressTable{T}"/> shares, and the address form it keys on.</summary>
internal static class AddressTable
{
    /// <summary>Addresses one table remembers at most.</summary>
    public const int MaxTracked = 4096;

    /// <summary>One key per machine: IPv4-mapped IPv6 (a dual-stack listener's view of an IPv4 client) as IPv4, no IPv6 scope.</summary>
    public static IPAddress Normalize(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4()
        : address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && address.ScopeId != 0 ? new IPAddress(address.GetAddressBytes())
        : address;
}
