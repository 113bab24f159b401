using System.Net;
using NetLab.Agent.Internet;

namespace NetLab.Agent.Udp;

/// <summary>
/// Why UDP 11211 cannot be used as a reflector (the 2018 memcached attacks sent 50,000 times what they received,
/// to spoofed victims): a reply is never larger than its datagram, and replies are rate-limited per source and in
/// total (token buckets of five seconds' worth), on top of the egress budget. What is dropped is counted.
/// Loopback is not limited.
/// </summary>
internal sealed class UdpLimiter
{
    private static readonly TimeSpan Burst = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private readonly TokenBucket _total;
    private readonly AddressTable<TokenBucket> _sources;
    private readonly TokenBucket _strangers; // shared by new sources while a flood of (spoofed) ones fills the table
    private long _echoed;
    private long _dropped;

    public UdpLimiter(AgentLimits limits, TimeProvider time, TrustedSources? sources = null)
    {
        sources ??= TrustedSources.None(limits);
        _total = new TokenBucket(limits.UdpPerSecond * Burst.TotalSeconds, Burst, time);
        _sources = new AddressTable<TokenBucket>(
            source => new TokenBucket(sources.For(source).UdpPerSecond * Burst.TotalSeconds, Burst, time),
            forgettable: bucket => bucket.IsFull); // a full bucket forgotten loses nothing
        _strangers = new TokenBucket(limits.UdpPerSourcePerSecond * Burst.TotalSeconds, Burst, time);
    }

    public long Echoed => Interlocked.Read(ref _echoed);

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>True when a datagram from <paramref name="source"/> may be echoed now; counts it either way.</summary>
    public bool TryEcho(IPAddress source)
    {
        if (IPAddress.IsLoopback(source))
        {
            Interlocked.Increment(ref _echoed);
            return true;
        }

        bool allowed;
        lock (_gate)
        {
            var bucket = _sources.GetOrAdd(source) ?? _strangers;
            allowed = bucket.Tokens >= 1 && _total.Tokens >= 1;
            if (allowed)
            {
                bucket.Spend(1);
                _total.Spend(1);
            }
        }

        Interlocked.Increment(ref allowed ? ref _echoed : ref _dropped);
        return allowed;
    }

    /// <summary>A datagram the budget had no room for.</summary>
    public void CountDropped() => Interlocked.Increment(ref _dropped);
}
