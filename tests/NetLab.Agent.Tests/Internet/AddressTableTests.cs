using System.Net;
using Microsoft.Extensions.Time.Testing;
using NetLab.Agent.Internet;
using NetLab.Agent.Udp;

namespace NetLab.Agent.Tests.Internet;

/// <summary>The one bounded per-address table, and the trusted-source policy that decides each address's limits.</summary>
public class AddressTableTests
{
    private static IPAddress Address(int i) => new([198, 18, (byte)(i >> 8), (byte)i]);

    [Fact]
    public void A_full_table_forgets_what_loses_nothing_first_then_the_crowded_then_tracks_no_newcomer()
    {
        var table = new AddressTable<Entry>(a => new Entry(a), forgettable: e => e.Idle, crowded: e => !e.Important, capacity: 4);
        var entries = Enumerable.Range(0, 4).Select(i => table.GetOrAdd(Address(i))!).ToList();
        entries[0].Idle = true;
        entries[1].Important = entries[2].Important = entries[3].Important = true;

        Assert.NotNull(table.GetOrAdd(Address(10))); // the idle one went
        Assert.Null(table.Find(Address(0)));
        Assert.Same(entries[1], table.Find(Address(1)));

        table.Find(Address(10))!.Important = false;
        Assert.NotNull(table.GetOrAdd(Address(11))); // nothing idle: the unimportant one went
        Assert.Null(table.Find(Address(10)));

        table.Find(Address(11))!.Important = true;
        Assert.Null(table.GetOrAdd(Address(12))); // all matter: the newcomer is not tracked, and the table does not grow
        Assert.Equal(4, table.Count);
    }

    [Fact]
    public void An_IPv4_mapped_IPv6_address_is_the_same_entry_as_its_IPv4_address()
    {
        var table = new AddressTable<Entry>(a => new Entry(a), forgettable: _ => false);
        var v4 = table.GetOrAdd(IPAddress.Parse("198.18.0.9"));
        Assert.Same(v4, table.GetOrAdd(IPAddress.Parse("::ffff:198.18.0.9")));
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void Trusted_networks_IPv4_and_IPv6_and_loopback_get_the_class_limits_and_everyone_else_the_stranger_ones()
    {
        var limits = new AgentLimits();
        var sources = new TrustedSources([IPNetwork.Parse("198.51.100.0/24"), IPNetwork.Parse("2001:db8::/48")], limits);
        foreach (var trusted in new[] { "198.51.100.7", "::ffff:198.51.100.200", "2001:db8:0:1::5", "127.0.0.1", "::1" })
        {
            var mine = sources.For(IPAddress.Parse(trusted));
            Assert.True(mine.Trusted, trusted);
            Assert.Equal((limits.TrustedConnectionsPerAddress, limits.TrustedStoredBytesPerAddress, limits.TrustedFilesPerAddress, 0L, limits.TrustedQueuedTransfersPerAddress),
                (mine.MaxConnections, mine.MaxStoredBytes, mine.MaxFiles, mine.EgressPerHour, mine.MaxQueuedTransfers));
        }

        foreach (var stranger in new[] { "198.51.101.7", "203.0.113.1", "2001:db9::1" })
        {
            var theirs = sources.For(IPAddress.Parse(stranger));
            Assert.False(theirs.Trusted, stranger);
            Assert.Equal((limits.MaxConnectionsPerAddress, limits.EgressPerAddressPerHour, limits.MaxQueuedTransfersPerAddress), (theirs.MaxConnections, theirs.EgressPerHour, theirs.MaxQueuedTransfers));
        }

        Assert.False(TrustedSources.None(limits).IsTrusted(IPAddress.Parse("198.51.100.7")));
        Assert.True(TrustedSources.None(limits).IsTrusted(IPAddress.Loopback));
    }

    [Fact]
    public void A_trusted_address_has_no_hourly_egress_budget_but_the_daily_total_holds_and_a_stranger_keeps_its_hour()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var limits = new AgentLimits { EgressPerAddressPerHour = 1_000, EgressPerDay = 10_000 };
        var sources = new TrustedSources([IPNetwork.Parse("198.51.100.0/24")], limits);
        var budget = new EgressBudget(limits, time, sources);

        using var stranger = budget.Open(IPAddress.Parse("203.0.113.5"))!;
        Assert.False(stranger.TryReserve(2_000, out var wait));
        Assert.StartsWith("your address used its hourly egress budget", stranger.Why(2_000, wait));
        Assert.EndsWith(LimitAdvice.Class, stranger.Why(2_000, wait));

        using var classroom = budget.Open(IPAddress.Parse("198.51.100.9"))!;
        Assert.True(classroom.TryReserve(9_000, out _)); // far over an hour's 1000: a class has no hourly bucket
        Assert.False(classroom.TryReserve(2_000, out wait)); // but the day's 10000 holds
        Assert.StartsWith("the agent used its daily egress budget", classroom.Why(2_000, wait));
        Assert.DoesNotContain("netlab up --cidr", classroom.Why(2_000, wait));
    }

    [Fact]
    public void A_trusted_source_gets_its_own_UDP_rate()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var limits = new AgentLimits { UdpPerSourcePerSecond = 2, TrustedUdpPerSourcePerSecond = 20, UdpPerSecond = 1_000 };
        var udp = new UdpLimiter(limits, time, new TrustedSources([IPNetwork.Parse("198.51.100.0/24")], limits));
        Assert.Equal(10, Enumerable.Range(0, 50).Count(_ => udp.TryEcho(IPAddress.Parse("203.0.113.5")))); // 2/s, a 5 s burst
        Assert.Equal(100, Enumerable.Range(0, 500).Count(_ => udp.TryEcho(IPAddress.Parse("198.51.100.5"))));
    }

    private sealed class Entry(IPAddress address)
    {
        public IPAddress Address { get; } = address;

        public bool Idle { get; set; }

        public bool Important { get; set; }
    }
}
