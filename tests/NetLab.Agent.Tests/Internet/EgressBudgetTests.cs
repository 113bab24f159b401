using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using NetLab.Agent.Internet;
using NetLab.Testing;

namespace NetLab.Agent.Tests.Internet;

/// <summary>Every byte the agent sends to a stranger costs the student money: bounded per address per hour and per day.</summary>
[Trait("Loop", "Slow")] // needs root and network namespaces (TestInternet)
public sealed class EgressBudgetTests : IDisposable
{
    private const long PerAddress = 2 << 20;
    private const long PerDay = 30 << 20;
    private const int Chunk = 256 * 1024;
    private readonly string _dataDir = Directory.CreateTempSubdirectory("netlab-egress-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task Ten_addresses_pulling_in_parallel_stay_within_the_budgets_and_another_address_is_still_served()
    {
        using var net = new TestInternet(clientAddresses: 12);
        await net.StartAgentAsync(_dataDir, "--egress-per-address", "2M", "--egress-per-day", "30M");

        var pulled = await Task.WhenAll(net.ClientAddresses.Take(10).Select(async source =>
        {
            long bytes = 0;
            for (var i = 0; i < 20; i++)
            {
                var get = await Curl.FromAsync(net, source, $"/bytes/{Chunk}");
                if (get.Status == 429)
                {
                    return (bytes, get);
                }

                Assert.Equal(200, get.Status);
                bytes += get.Body.Length;
            }

            return (bytes, (CurlResponse?)null);
        }));

        foreach (var (bytes, refusal) in pulled)
        {
            Assert.True(bytes <= PerAddress, $"an address got {bytes} bytes, over its {PerAddress}");
            Assert.True(bytes >= PerAddress - 2 * Chunk, $"an address got only {bytes} bytes of its {PerAddress}");
            Assert.NotNull(refusal);
            Assert.Contains("429 Too Many Requests", refusal!.Body);
            Assert.True(int.Parse(refusal.Header("Retry-After")!) > 0);
        }

        Assert.True(pulled.Sum(p => p.bytes) <= PerDay);

        // The over-budget address gets a clear line in a text session too; another address is served.
        var session = await net.RunClientAsync("nc", ["-s", net.ClientAddresses[0], "-q1", net.HostAddress, $"{TestInternet.Port}"], "/source 1M\n"u8.ToArray());
        // Which line it gets depends on how far in debt the last pulls left the address: the /source refused ("1048576
        // more bytes ... would exceed it"), or, deeper in, the session itself ("the agent has sent ... all it may for
        // now"). Both name the budget and what a class can do.
        Assert.Matches(@"ERROR over the egress budget: (1048576 more bytes to \S+ would exceed it|the agent has sent \S+ all it may for now)", session.Stdout);
        Assert.Contains("netlab up --cidr <campus network>", session.Stdout);
        var other = await Curl.FromAsync(net, net.ClientAddresses[10], "/bytes/100");
        Assert.Equal(200, other.Status);
        Assert.Equal(100, other.Body.Length);

        var health = JsonDocument.Parse((await net.RunOnHostAsync("curl", ["-sS", $"http://127.0.0.1:{TestInternet.Port}/health"])).Stdout).RootElement;
        var sent = health.GetProperty("egress").GetProperty("sentBytes").GetInt64();
        Assert.InRange(sent, pulled.Sum(p => p.bytes), PerDay + 10 * EgressBudget.MaxDebt);
    }

    [Fact]
    public async Task When_the_day_is_spent_every_address_gets_429_with_a_long_retry()
    {
        using var net = new TestInternet(clientAddresses: 3);
        await net.StartAgentAsync(_dataDir, "--egress-per-address", "4M", "--egress-per-day", "1M");
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(200, (await Curl.FromAsync(net, net.ClientAddresses[0], $"/bytes/{Chunk - 4096}")).Status);
        }

        var refused = await Curl.FromAsync(net, net.ClientAddresses[1], $"/bytes/{Chunk}");
        Assert.Equal(429, refused.Status);
        Assert.True(int.Parse(refused.Header("Retry-After")!) > 3600, $"Retry-After {refused.Header("Retry-After")}");
    }

    [Fact]
    public void A_budget_is_a_token_bucket_reservations_are_exact_and_debts_are_bounded()
    {
        var time = new FakeTimeProvider();
        var budget = new EgressBudget(new AgentLimits { EgressPerAddressPerHour = 3600, EgressPerDay = 100_000 }, time);
        using var account = budget.Open(IPAddress.Parse("198.18.0.1"))!;
        Assert.Null(budget.Open(IPAddress.Loopback)); // loopback costs nothing

        Assert.True(account.TryReserve(3000, out _));
        Assert.False(account.TryReserve(1000, out var wait));
        Assert.Equal(400, Math.Round(wait.TotalSeconds)); // 3600 an hour is one a second; 600 are left, 400 more to wait
        account.Charge(1000); // sent against the reservation
        account.ReleaseReservation(); // the other 2000 were not needed
        Assert.Equal(TimeSpan.Zero, account.WaitFor(2600));
        Assert.NotEqual(TimeSpan.Zero, account.WaitFor(2601));

        account.Charge(2600 + EgressBudget.MaxDebt); // small replies, already sent, owed
        Assert.False(account.Overdrawn);
        account.Charge(1);
        Assert.True(account.Overdrawn);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(account.Overdrawn); // paid back at the hourly rate
        Assert.Equal(1000 + 2600 + EgressBudget.MaxDebt + 1, budget.SentBytes);
    }
}
