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
    private const int MaxTracked = 4096;
    private static readonly TimeSpan Burst = TimeSpan.FromSeconds(5);

    private readonly AgentLimits _limits;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly TokenBucket _total;
    private readonly Dictionary<IPAddress, TokenBucket> _sources = [];
    private readonly TokenBucket _strangers; // shared by new sources while a flood of (spoofed) ones fills the table
    private long _echoed;
    private long _dropped;

    public UdpLimiter(AgentLimits limits, TimeProvider time)
    {
        _limits = limits;
        _time = time;
        _total = new TokenBucket(limits.UdpPerSecond * Burst.TotalSeconds, Burst, time);
        _strangers = NewSourceBucket();
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
            var bucket = Source(source);
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

    // Under _gate.
    private TokenBucket Source(IPAddress source)
    {
        if (_sources.TryGetValue(source, out var bucket))
        {
            return bucket;
        }

        if (_sources.Count >= MaxTracked)
        {
            foreach (var full in _sources.Where(s => s.Value.IsFull).Select(s => s.Key).ToList())
            {
                _sources.Remove(full); // a full bucket forgotten loses nothing
            }

            if (_sources.Count >= MaxTracked)
            {
                return _strangers;
            }
        }

        return _sources[source] = NewSourceBucket();
    }

    private TokenBucket NewSourceBucket() => new(_limits.UdpPerSourcePerSecond * Burst.TotalSeconds, Burst, _time);
}
