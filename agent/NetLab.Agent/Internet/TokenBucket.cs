namespace NetLab.Agent.Internet;

/// <summary>
/// A token bucket (RFC 2697's, without colours): it holds at most <c>capacity</c> tokens and gains
/// <c>capacity</c> tokens every <c>period</c>, continuously. A full bucket allows a burst of a whole period's
/// worth at once; after that, the rate. Not thread-safe: callers hold their own lock.
/// </summary>
/// <remarks>The balance may go below zero (<see cref="Spend"/>): bytes already sent are owed, and paid back first.</remarks>
internal sealed class TokenBucket
{
    private readonly double _capacity;
    private readonly double _perTick;
    private readonly TimeProvider _time;
    private double _tokens;
    private long _updated;

    public TokenBucket(double capacity, TimeSpan period, TimeProvider time)
    {
        _capacity = capacity;
        _time = time;
        _perTick = capacity / (period.TotalSeconds * time.TimestampFrequency);
        _tokens = capacity;
        _updated = time.GetTimestamp();
    }

    /// <summary>Tokens available now; negative while a debt is being paid back.</summary>
    public double Tokens
    {
        get
        {
            Refill();
            return _tokens;
        }
    }

    /// <summary>True when the bucket is as full as it gets: it can be forgotten without losing anything.</summary>
    public bool IsFull => Tokens >= _capacity;

    /// <summary>Takes <paramref name="count"/> tokens if there are that many.</summary>
    public bool TryTake(double count)
    {
        Refill();
        if (_tokens < count)
        {
            return false;
        }

        _tokens -= count;
        return true;
    }

    /// <summary>Takes <paramref name="count"/> tokens whether or not there are that many (what was sent is owed).</summary>
    public void Spend(double count)
    {
        Refill();
        _tokens -= count;
    }

    /// <summary>Gives tokens back (a reservation not used), never past the capacity.</summary>
    public void Refund(double count)
    {
        Refill();
        _tokens = Math.Min(_capacity, _tokens + count);
    }

    /// <summary>How long until <paramref name="count"/> tokens are there (zero when they are now).</summary>
    public TimeSpan TimeUntil(double count)
    {
        Refill();
        if (_tokens >= count)
        {
            return TimeSpan.Zero;
        }

        var ticks = (count - _tokens) / _perTick;
        return TimeSpan.FromSeconds(ticks / _time.TimestampFrequency);
    }

    private void Refill()
    {
        var now = _time.GetTimestamp();
        _tokens = Math.Min(_capacity, _tokens + (now - _updated) * _perTick);
        _updated = now;
    }
}
