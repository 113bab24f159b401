using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace NetLab.Cli.Lab;

internal sealed record InterfaceInfo(string Name, string Status, IReadOnlyList<string> IPv4, IReadOnlyList<string> IPv6);

internal sealed record NetworkFacts(string HostName, IReadOnlyList<InterfaceInfo> Interfaces, IReadOnlyList<string> Gateways, IReadOnlyList<string> DnsServers);

/// <summary>The tutorial's netifaces, ifconfig and nslookup, from the operating system's own tables.</summary>
internal static class NetworkInfo
{
    public static NetworkFacts Read()
    {
        var interfaces = NetworkInterface.GetAllNetworkInterfaces();
        var infos = interfaces.Select(i =>
        {
            var addresses = i.GetIPProperties().UnicastAddresses.Select(a => a.Address).ToList();
            return new InterfaceInfo(
                i.Name,
                i.OperationalStatus.ToString().ToLowerInvariant(),
                addresses.Where(a => a.AddressFamily == AddressFamily.InterNetwork).Select(a => a.ToString()).ToList(),
                addresses.Where(a => a.AddressFamily == AddressFamily.InterNetworkV6).Select(a => a.ToString()).ToList());
        }).ToList();
        var properties = interfaces.Select(i => i.GetIPProperties()).ToList();
        var gateways = properties.SelectMany(p => p.GatewayAddresses).Select(g => g.Address.ToString()).Where(a => a != "0.0.0.0").Distinct().ToList();
        return new NetworkFacts(Dns.GetHostName(), infos, gateways, DnsServers(properties));
    }

    /// <summary>Every address of this machine (for telling NAT from no NAT).</summary>
    public static HashSet<string> LocalAddresses(NetworkFacts facts) =>
        facts.Interfaces.SelectMany(i => i.IPv4.Concat(i.IPv6)).ToHashSet(StringComparer.OrdinalIgnoreCase);

    private static List<string> DnsServers(List<IPInterfaceProperties> properties)
    {
        var servers = new List<string>();
        try
        {
            servers.AddRange(properties.SelectMany(p => p.DnsAddresses).Select(a => a.ToString()));
        }
        catch (PlatformNotSupportedException)
        {
            // macOS: fall through to resolv.conf.
        }

        if (servers.Count == 0 && File.Exists("/etc/resolv.conf"))
        {
            servers.AddRange(File.ReadLines("/etc/resolv.conf")
                .Select(l => l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                .Where(p => p.Length >= 2 && p[0] == "nameserver")
                .Select(p => p[1]));
        }

        return servers.Distinct().ToList();
    }
}
