using System.Net;

namespace NetLab.Agent.Internet;

/// <summary>
/// What the agent may send: per client address per hour, and to everyone per day (<see cref="AgentLimits"/>).
/// Every byte a TCP connection or a UDP echo sends to another machine is charged here; loopback costs nothing
/// and is not counted. Large sends (/source, /bytes, a stored file) reserve their size first, so parallel
/// streams cannot all start on the same remaining budget.
/// </summary>
/// <remarks>
/// Egress is what a public cloud bills (about $0.09 per GB), so this is the lab host's cost ceiling for
/// traffic: the defaults (256 MiB per address per hour, 10 GiB a day) cap a forgotten, abused host at about
/// $1 a day. Small replies are charged after the fact and may push a balance a little below zero; a
/// connection whose address owes more than <see cref="MaxDebt"/> is closed.
/// </remarks>
internal sealed class EgressBudget
{
    /// <summary>How far below zero small, already-sent replies may push an address before its connections are closed.</summary>
    public const long MaxDebt = 256 * 1024;

    private readonly AgentLimits _limits;
    private readonly Lock _gate = new();
    private readonly TokenBucket? _day;
    private readonly AddressTable<AddressBudget> _addresses;
    private readonly AddressBudget _strangers; // shared by new addresses while a flood of owing ones fills the table
    private long _sent;

    public EgressBudget(AgentLimits limits, TimeProvider time, TrustedSources? sources = null)
    {
        _limits = limits;
        _day = limits.EgressPerDay > 0 ? new TokenBucket(limits.EgressPerDay, TimeSpan.FromDays(1), time) : null;
        sources ??= TrustedSources.None(limits);

        // A trusted address (a class behind one NAT) has no hourly bucket: the daily total is its bound.
        _addresses = new AddressTable<AddressBudget>(
            address => new AddressBudget(address, sources.For(address) is { EgressPerHour: > 0 } mine ? new TokenBucket(mine.EgressPerHour, TimeSpan.FromHours(1), time) : null),
            forgettable: a => a.Connections == 0 && (a.Hour?.IsFull ?? true)); // an idle address with a full bucket: forgetting it loses nothing
        _strangers = new AddressBudget(IPAddress.None, limits.EgressPerAddressPerHour > 0 ? new TokenBucket(limits.EgressPerAddressPerHour, TimeSpan.FromHours(1), time) : null);
    }

    /// <summary>Bytes sent to other machines since the agent started.</summary>
    public long SentBytes
    {
        get
        {
            lock (_gate)
            {
                return _sent;
            }
        }
    }

    /// <summary>The budget of one TCP connection from <paramref name="address"/>; null for loopback, which is free.</summary>
    public EgressAccount? Open(IPAddress address)
    {
        if (IPAddress.IsLoopback(address))
        {
            return null;
        }

        lock (_gate)
        {
            var budget = _addresses.GetOrAdd(address) ?? _strangers;
            budget.Connections++;
            return new EgressAccount(this, budget);
        }
    }

    /// <summary>Charges one UDP echo; false when a budget has no room for it (the datagram is then dropped).</summary>
    public bool TrySendDatagram(IPAddress address, int bytes)
    {
        if (IPAddress.IsLoopback(address))
        {
            return true;
        }

        lock (_gate)
        {
            var budget = _addresses.GetOrAdd(address) ?? _strangers;
            if ((budget.Hour is { } hour && hour.Tokens < bytes) || (_day is { } day && day.Tokens < bytes))
            {
                return false;
            }

            budget.Hour?.Spend(bytes);
            _day?.Spend(bytes);
            budget.Sent += bytes;

            _sent += bytes;
            return true;
        }
    }

    /// <summary>What was spent and what is left, for loopback's /health.</summary>
    public EgressReport Report(int top = 10)
    {
        lock (_gate)
        {
            return new EgressReport(
                _sent,
                _limits.EgressPerDay,
                _day is null ? null : (long)Math.Max(0, _day.Tokens),
                _limits.EgressPerAddressPerHour,
                _addresses.Values.OrderByDescending(a => a.Sent).Take(top)
                    .Select(a => new AddressEgress(a.Address.ToString(), a.Sent, a.Hour is null ? null : (long)Math.Max(0, a.Hour.Tokens)))
                    .ToList());
        }
    }

    internal bool TryReserve(AddressBudget budget, long bytes, out TimeSpan retryAfter)
    {
        lock (_gate)
        {
            retryAfter = Max(budget.Hour?.TimeUntil(bytes), _day?.TimeUntil(bytes));
            if (retryAfter > TimeSpan.Zero)
            {
                return false;
            }

            budget.Hour?.Spend(bytes);
            _day?.Spend(bytes);
            return true;
        }
    }

    internal void Refund(AddressBudget budget, long bytes)
    {
        lock (_gate)
        {
            budget.Hour?.Refund(bytes);
            _day?.Refund(bytes);
        }
    }

    /// <summary>Counts bytes sent; <paramref name="unreserved"/> of them were not reserved beforehand and are charged now.</summary>
    internal void Sent(AddressBudget budget, long bytes, long unreserved)
    {
        lock (_gate)
        {
            if (unreserved > 0)
            {
                budget.Hour?.Spend(unreserved);
                _day?.Spend(unreserved);
            }

            budget.Sent += bytes;
            _sent += bytes;
        }
    }

    /// <summary>How long until the address may be sent <paramref name="bytes"/> (zero: now).</summary>
    internal TimeSpan Wait(AddressBudget budget, long bytes)
    {
        lock (_gate)
        {
            return Max(budget.Hour?.TimeUntil(bytes), _day?.TimeUntil(bytes));
        }
    }

    /// <summary>
    /// Why <paramref name="bytes"/> may not be sent for <paramref name="wait"/>, as the sentence the client gets: the
    /// address's hourly budget (with what a class behind one address can do about it), or everyone's daily one.
    /// </summary>
    internal string Why(AddressBudget budget, long bytes, TimeSpan wait)
    {
        bool hourly;
        lock (_gate)
        {
            hourly = budget.Hour?.TimeUntil(bytes) > TimeSpan.Zero;
        }

        var retry = $"try again in {Math.Ceiling(wait.TotalSeconds):0} s, or ask for less";
        return hourly
            ? $"your address used its hourly egress budget ({Human(_limits.EgressPerAddressPerHour)}); {retry}; {LimitAdvice.Class}"
            : $"the agent used its daily egress budget ({Human(_limits.EgressPerDay)} for everyone together, the lab's cost bound); {retry}";
    }

    /// <summary>256 MiB, 10 GiB: a budget as people read it.</summary>
    internal static string Human(long bytes) => bytes % (1L << 30) == 0 ? $"{bytes >> 30} GiB" : bytes % (1L << 20) == 0 ? $"{bytes >> 20} MiB" : $"{bytes} bytes";

    /// <summary>True when the address, or everyone together, owes more than <see cref="MaxDebt"/>.</summary>
    internal bool Overdrawn(AddressBudget budget)
    {
        lock (_gate)
        {
            return budget.Hour?.Tokens < -MaxDebt || _day?.Tokens < -MaxDebt;
        }
    }

    internal void Close(AddressBudget budget)
    {
        lock (_gate)
        {
            budget.Connections--;
        }
    }

    private static TimeSpan Max(TimeSpan? a, TimeSpan? b) => TimeSpan.FromTicks(Math.Max(a?.Ticks ?? 0, b?.Ticks ?? 0));

    internal sealed class AddressBudget(IPAddress address, TokenBucket? hour)
    {
        public IPAddress Address { get; } = address;

        public TokenBucket? Hour { get; } = hour;

        public long Sent { get; set; }

        public int Connections { get; set; }
    }
}

/// <summary>
/// One connection's share of its address's budget: what its writer sends is charged here, first against
/// what the connection reserved for a large send.
/// </summary>
internal sealed class EgressAccount : IDisposable
{
    private readonly EgressBudget _budget;
    private readonly EgressBudget.AddressBudget _address;
    private long _reserved;
    private bool _closed;

    internal EgressAccount(EgressBudget budget, EgressBudget.AddressBudget address)
    {
        _budget = budget;
        _address = address;
    }

    /// <summary>True when the address (or everyone) owes too much: the connection is to be closed.</summary>
    public bool Overdrawn => _budget.Overdrawn(_address);

    /// <summary>
    /// Reserves <paramref name="bytes"/> for a send that is about to start; false (with how long to wait) when
    /// the budget does not have them. What the send does not use goes back with <see cref="ReleaseReservation"/>.
    /// </summary>
    public bool TryReserve(long bytes, out TimeSpan retryAfter)
    {
        if (!_budget.TryReserve(_address, bytes, out retryAfter))
        {
            return false;
        }

        Interlocked.Add(ref _reserved, bytes);
        return true;
    }

    /// <summary>Gives back what is left of the reservations (a send ended early, or sent less).</summary>
    public void ReleaseReservation()
    {
        var left = Interlocked.Exchange(ref _reserved, 0);
        if (left > 0)
        {
            _budget.Refund(_address, left);
        }
    }

    /// <summary>How long until <paramref name="bytes"/> may be sent (zero: now). A reply of that size is refused until then.</summary>
    public TimeSpan WaitFor(long bytes) => _budget.Wait(_address, bytes);

    /// <summary>The sentence that refuses <paramref name="bytes"/> for <paramref name="wait"/>: which budget, and what to do.</summary>
    public string Why(long bytes, TimeSpan wait) => _budget.Why(_address, bytes, wait);

    /// <summary>What a text session says when it refuses a reply of <paramref name="bytes"/> (1: any reply at all) for <paramref name="wait"/>.</summary>
    public string Refusal(long bytes, TimeSpan wait) =>
        bytes <= 1
            ? $"over the egress budget: the agent has sent {_address.Address} all it may for now: {Why(bytes, wait)}"
            : $"over the egress budget: {bytes} more bytes to {_address.Address} would exceed it: {Why(bytes, wait)}";

    /// <summary>Why a connection is cut when its address's budget runs out mid-send.</summary>
    public const string Spent = "the client's egress budget is spent";

    /// <summary>Bytes written to the connection: drawn from the reservation first, the rest charged now.</summary>
    public void Charge(long bytes)
    {
        long fromReserved;
        long reserved;
        do
        {
            reserved = Volatile.Read(ref _reserved);
            fromReserved = Math.Min(reserved, bytes);
        }
        while (Interlocked.CompareExchange(ref _reserved, reserved - fromReserved, reserved) != reserved);

        _budget.Sent(_address, bytes, bytes - fromReserved);
    }

    public void Dispose()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        ReleaseReservation();
        _budget.Close(_address);
    }
}

/// <summary>Egress so far, as loopback's /health reports it.</summary>
internal sealed record EgressReport(long SentBytes, long PerDayLimit, long? LeftToday, long PerAddressPerHourLimit, IReadOnlyList<AddressEgress> TopAddresses);

/// <summary>One address's egress: sent since the agent started, and what its hourly bucket holds now.</summary>
internal sealed record AddressEgress(string Address, long SentBytes, long? LeftThisHour);
