using System.Net.Sockets;

namespace NetLab.Cli.Lab;

/// <summary>A socket failure in the words of the lesson: what the network did, and what to try next.</summary>
internal static class NetErrors
{
    /// <summary>A failed socket operation against host:port.</summary>
    public static string Describe(SocketException e, string host, int port) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused =>
            $"connection refused: the host answered, but nothing listens on {Net.Endpoint(host, port)} (is netlab-agent running? on the lab host: systemctl status netlab-agent). Try: nc -zv {host} {port}",
        SocketError.TimedOut =>
            $"no answer from {Net.Endpoint(host, port)}: the packets were dropped on the way (a firewall, or a path that is down). Try: netlab ports {host}",
        SocketError.ConnectionReset =>
            $"the connection to {Net.Endpoint(host, port)} was reset (RST): the agent closed it abruptly (it restarted, or a limit closed it). Try again, or look at the agent's journal: journalctl -u netlab-agent",
        SocketError.HostUnreachable or SocketError.NetworkUnreachable =>
            $"no route to {host}: this machine has no way there (no network, a VPN, or a wrong address). Try: ping {host}",
        SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData =>
            $"cannot resolve {host}: no address for that name (a typo, or no DNS). Try: nslookup {host}",
        _ => $"{Net.Endpoint(host, port)}: {e.Message}",
    };
}
