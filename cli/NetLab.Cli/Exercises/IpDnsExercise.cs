using System.Net;
using System.Text.Json.Serialization;
using NetLab.Cli.Lab;

namespace NetLab.Cli.Exercises;

internal sealed class IpDnsExercise : Exercise
{
    public override string Id => "ip-dns";

    public override string Title => "Your addresses, DNS, and NAT";

    public override string Teaches => "Your machine has its own addresses and DNS servers; the agent sees the address your packets arrive from, which behind NAT is your router's.";

    public override string TryByHand(string host, int port) => TryByHand(host, port, Platform.Current);

    public override string TryByHand(ExerciseContext context) => TryByHand(context.Host, context.Port, context.Platform);

    private static string TryByHand(string host, int port, Platform platform) => $"{platform.ShowAddresses}, `nslookup {host}`, then `/whoami` in `nc {host} {port}`";

    public override async Task RunAsync(ExerciseContext context, Figures figures, CancellationToken ct)
    {
        var facts = NetworkInfo.Read();
        var ipv4 = facts.Interfaces.Where(i => i.Status == "up").SelectMany(i => i.IPv4.Select(a => (Address: a, Interface: i.Name))).ToList();
        Expect.That(ipv4.Count > 0, "at least one IPv4 address on an interface that is up", "none");
        figures.Add("hostname", facts.HostName);
        figures.Add("IPv4", string.Join(", ", ipv4.Select(a => $"{a.Address} ({a.Interface})")),
            ("ipv4", ipv4.Select(a => new AddressFigure(a.Address, a.Interface)).ToArray()));
        figures.Add("gateway", facts.Gateways.Count == 0 ? "(none)" : string.Join(", ", facts.Gateways), ("gateways", facts.Gateways));
        figures.Add("DNS servers", facts.DnsServers.Count == 0 ? "(none)" : string.Join(", ", facts.DnsServers), ("dnsServers", facts.DnsServers));
        if (!IPAddress.TryParse(context.Host, out _))
        {
            var addresses = (await Dns.GetHostAddressesAsync(context.Host, ct)).Select(a => a.ToString()).ToArray();
            figures.Add($"{context.Host} resolves to", string.Join(", ", addresses), ("resolvesTo", addresses));
        }

        await using var client = await context.ConnectAsync(ct); // says /whoami at once
        await client.ReadBannerAsync(ct);
        var whoami = client.SeenAs!;
        const string prefix = "you are ";
        Expect.That(whoami.StartsWith(prefix, StringComparison.Ordinal), "\"you are ADDRESS:PORT as the agent sees you\"", $"\"{Expect.Shorten(whoami)}\"");
        var seen = whoami[prefix.Length..].Split(' ')[0];
        var seenAddress = seen[..seen.LastIndexOf(':')].Trim('[', ']');
        var local = NetworkInfo.LocalAddresses(facts);
        var nat = !local.Contains(seenAddress);
        figures.Add("the agent sees you as", seen, key: "seenAs");
        figures.Add("NAT", nat
            ? $"yes: the agent sees {seenAddress}, which is not one of your addresses (your router translated it)"
            : "no: the agent sees one of your own addresses", ("nat", nat));
    }
}

/// <summary>An IPv4 address of this machine in <c>--json</c>, with its interface.</summary>
internal sealed record AddressFigure([property: JsonPropertyName("address")] string Address, [property: JsonPropertyName("interface")] string Interface);
