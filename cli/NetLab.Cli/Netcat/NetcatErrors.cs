using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using NetLab.Cli.Lab;

namespace NetLab.Cli.Netcat;

/// <summary>A failure netlab nc has already put in words (a TLS handshake, seen from the side that knows which it was).</summary>
internal sealed class NetcatException(string message) : Exception(message);

/// <summary>
/// What went wrong, as ncat says it ("Connection refused.", "TIMEOUT.", "Failed SSL connection from 127.0.0.1:
/// wrong version number"), with the host and port as the user wrote them: never a raw .NET text.
/// </summary>
internal static class NetcatErrors
{
    /// <summary>The sentence for a failure of the run, or null for one that is not the network's (a bug: let it surface).</summary>
    public static string? Describe(Exception e, NetcatOptions options) => e switch
    {
        NetcatException said => said.Message,
        SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain } dns =>
            $"Could not resolve hostname \"{options.Host}\": {NetWords.Socket(dns)}.",
        SocketException { SocketErrorCode: SocketError.TimedOut } =>
            $"connect to {options.Where}: TIMEOUT (no answer within {Commands.Seconds.Format(options.Wait)} s).",
        SocketException socket when options.Listen => $"bind to {options.Where}: {NetWords.Socket(socket)}.",
        SocketException socket => $"connect to {options.Where}: {NetWords.Socket(socket)}.",
        IOException { InnerException: SocketException socket } => $"connection {(options.Listen ? "" : $"to {options.Where} ")}lost: {NetWords.Socket(socket)}.",
        IOException io => $"connection {(options.Listen ? "" : $"to {options.Where} ")}lost: {io.Message}",
        _ => null,
    };

    /// <summary>A TLS handshake that failed, as ncat words it on either side.</summary>
    public static NetcatException Tls(Exception e, string side) => new($"Failed SSL connection {side}: {NetWords.Tls(e)}.");

    public static bool IsHandshakeFailure(Exception e) => e is AuthenticationException or IOException;

    /// <summary>An address as people write it: 127.0.0.1, not ::ffff:127.0.0.1 (what a dual-mode socket reports).</summary>
    public static IPAddress Plain(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>address:port, IPv4 plain, IPv6 in brackets.</summary>
    public static string Plain(EndPoint? endpoint) => endpoint is IPEndPoint ip ? Net.Endpoint(Plain(ip.Address).ToString(), ip.Port) : $"{endpoint}";
}
