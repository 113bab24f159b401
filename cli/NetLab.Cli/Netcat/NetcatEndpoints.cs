using System.Net;
using System.Net.Sockets;

namespace NetLab.Cli.Netcat;

/// <summary>Where nc listens, and how it names the ends of a connection in its -v lines (as ncat does).</summary>
internal static class NetcatEndpoints
{
    /// <summary>Where -l listens: every address (IPv6 and IPv4) when none is given, else the address, or the name's first address.</summary>
    public static async Task<IPEndPoint> ListenAsync(NetcatOptions options, CancellationToken ct) =>
        new(options.Host is null ? IPAddress.IPv6Any : await Lab.Net.ResolveAsync(options.Host, ct), options.Port);

    /// <summary>The listening address as ncat prints it: both families for a dual-mode socket.</summary>
    public static string Listening(NetcatOptions options, EndPoint? local) =>
        options.Host is null && local is IPEndPoint ip ? $"[::]:{ip.Port} and 0.0.0.0:{ip.Port}" : NetcatErrors.Plain(local);

    /// <summary>What -v says was reached: host:port as written, and the address a name resolved to.</summary>
    public static string Connected(NetcatOptions options, EndPoint? remote) =>
        IPAddress.TryParse(options.Host, out _) || remote is not IPEndPoint ip
            ? options.Where
            : $"{options.Where} ({NetcatErrors.Plain(ip.Address)})";

    /// <summary>A socket bound where -l listens: dual-mode when no address was given, like ncat -l.</summary>
    public static Socket Bind(Socket socket, NetcatOptions options, IPEndPoint endpoint)
    {
        if (options.Host is null)
        {
            socket.DualMode = true;
        }

        socket.Bind(endpoint);
        return socket;
    }
}
