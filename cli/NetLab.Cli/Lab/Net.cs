using System.Net;
using System.Net.Sockets;

namespace NetLab.Cli.Lab;

/// <summary>Small socket helpers shared by the exercises and the commands.</summary>
internal static class Net
{
    /// <summary>Connects to host:port (a name or an address) with Nagle off, as an interactive client should.</summary>
    public static async Task<Socket> ConnectAsync(string host, int port, CancellationToken ct)
    {
        var socket = NewSocket();
        try
        {
            await socket.ConnectAsync(RemoteEndPoint(host, port), ct);
            Wire.LocalEndpoints.Record(socket);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A TCP socket for either family (IPv6 with IPv4 mapped), Nagle off.</summary>
    public static Socket NewSocket() => new(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };

    /// <summary>An address as itself, a name to resolve at connect time (every address tried in turn).</summary>
    public static EndPoint RemoteEndPoint(string host, int port) =>
        IPAddress.TryParse(host, out var ip) ? new IPEndPoint(ip, port) : new DnsEndPoint(host, port);

    /// <summary>
    /// One address for a host: a literal as itself, a name's first IPv4 address (as ncat prefers), else its first
    /// IPv6 one. For what binds or sends datagrams, where there is no connect to try every address in turn.
    /// </summary>
    public static async Task<IPAddress> ResolveAsync(string host, CancellationToken ct)
    {
        if (IPAddress.TryParse(host, out var literal))
        {
            return literal;
        }

        var addresses = await Dns.GetHostAddressesAsync(host, ct);
        return addresses.OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).FirstOrDefault()
            ?? throw new SocketException((int)SocketError.HostNotFound);
    }

    /// <summary>"host:port", with brackets around IPv6 literals.</summary>
    public static string Endpoint(string host, int port) =>
        IPAddress.TryParse(host, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{host}]:{port}" : $"{host}:{port}";

    /// <summary>Splits "host:port" or "[v6]:port"; null when it does not parse.</summary>
    public static (string Host, int Port)? SplitEndpoint(string text, int? defaultPort = null)
    {
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0)
            {
                return null;
            }

            var host6 = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length == 0 && defaultPort is { } p6)
            {
                return (host6, p6);
            }

            return rest.StartsWith(':') && int.TryParse(rest[1..], out var port6) && port6 is > 0 and < 65536 ? (host6, port6) : null;
        }

        var colon = text.LastIndexOf(':');
        if (colon < 0 || text.IndexOf(':') != colon)
        {
            return defaultPort is { } p && text.Length > 0 && colon < 0 ? (text, p) : null;
        }

        return int.TryParse(text[(colon + 1)..], out var port) && port is > 0 and < 65536 && colon > 0 ? (text[..colon], port) : null;
    }
}
