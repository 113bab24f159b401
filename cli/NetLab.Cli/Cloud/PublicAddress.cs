using System.Net;
using System.Net.Sockets;

namespace NetLab.Cli.Cloud;

/// <summary>
/// This machine's public IPv4 address as the internet sees it (through NAT), for <c>netlab up</c>'s allowedCidr:
/// asked of AWS's own checkip service, as <c>curl https://checkip.amazonaws.com</c> does. NETLAB_CHECKIP_URL
/// replaces the service (the tests' stand-in).
/// </summary>
internal static class PublicAddress
{
    public const string DefaultService = "https://checkip.amazonaws.com/";

    /// <summary>The address, or the reason it could not be found.</summary>
    public static async Task<(IPAddress? Address, string? Error)> DetectAsync(CliIO io, CancellationToken ct)
    {
        var service = io.Environment("NETLAB_CHECKIP_URL") is { Length: > 0 } url ? url : DefaultService;
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var body = (await http.GetStringAsync(service, ct)).Trim();
            if (!IPAddress.TryParse(body, out var address))
            {
                return (null, $"{service} answered '{Shorten(body)}', not an address");
            }

            if (address.AddressFamily != AddressFamily.InterNetwork)
            {
                return (null, $"{service} says your address is {address}, an IPv6 address; the lab's security group takes IPv4");
            }

            return (address, null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return (null, $"{service} did not answer ({(e is TaskCanceledException ? "timed out after 10 s" : e.Message)})");
        }
    }

    /// <summary>
    /// An IPv4 CIDR as the security group takes it (a bare address means that one address, /32), or the mistake.
    /// 0.0.0.0/0 is allowed: the stack then warns that the lab is open to the world.
    /// </summary>
    public static (string? Cidr, string? Error) ParseCidr(string text)
    {
        var slash = text.IndexOf('/');
        var addressText = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(addressText, out var address) || address.AddressFamily != AddressFamily.InterNetwork || addressText.Count(c => c == '.') != 3)
        {
            return (null, $"--cidr: '{text}' is not an IPv4 address or CIDR (e.g. 203.0.113.7/32, or 203.0.113.7)");
        }

        var bits = 32;
        if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], out bits) || bits is < 0 or > 32))
        {
            return (null, $"--cidr: '/{text[(slash + 1)..]}' is not a prefix length (0-32)");
        }

        var mask = bits == 0 ? 0u : uint.MaxValue << (32 - bits);
        var value = (uint)IPAddress.NetworkToHostOrder(BitConverter.ToInt32(address.GetAddressBytes()));
        if ((value & ~mask) != 0)
        {
            var network = new IPAddress(BitConverter.GetBytes(IPAddress.HostToNetworkOrder((int)(value & mask))));
            return (null, $"--cidr: {text} has host bits set; the network is {network}/{bits}");
        }

        return ($"{address}/{bits}", null);
    }

    private static string Shorten(string text) => text.Length > 60 ? text[..60] + "..." : text;
}
