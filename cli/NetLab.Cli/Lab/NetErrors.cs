using System.Net.Sockets;

namespace NetLab.Cli.Lab;

/// <summary>A socket failure in the words of the lesson: what the network did, and what to try next.</summary>
internal static class NetErrors
{
    /// <summary>A failed socket operation against host:port.</summary>
    public static string Describe(SocketException e, string host, int port) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused =>
            $"connection refused: the host answered, but nothing listens on {Net.Endpoint(host, port)} (is netlab-agent running? on the lab host: `systemctl status netlab-agent`). Try: `nc -zv {host} {port}`",
        SocketError.TimedOut =>
            $"no answer from {Net.Endpoint(host, port)}: the packets were dropped on the way (a firewall, or a path that is down). Try: `netlab ports {host}`",
        SocketError.ConnectionReset =>
            $"the connection to {Net.Endpoint(host, port)} was reset (RST): the agent closed it abruptly (it restarted, or a limit closed it). Try again, or look at the agent's journal: `journalctl -u netlab-agent`",
        SocketError.HostUnreachable or SocketError.NetworkUnreachable =>
            $"no route to {host}: this machine has no way there (no network, a VPN, or a wrong address). Try: `ping {host}`",
        SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData =>
            $"cannot resolve {host}: no address for that name (a typo, or no DNS). Try: `nslookup {host}`",
        _ => $"{Net.Endpoint(host, port)}: {e.Message}",
    };
}

/// <summary>Failures in the words nc, ncat and openssl print, for the tools that imitate them (nc, http, tls).</summary>
internal static partial class NetWords
{
    /// <summary>
    /// strerror's words ("Connection refused"), as nc prints them, without the "[::ffff:127.0.0.1]:11211" .NET adds
    /// to a failed connect (the user's own host:port is printed beside them instead); a timeout is ncat's "TIMEOUT".
    /// </summary>
    public static string Socket(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.TimedOut => "TIMEOUT",
        SocketError.HostNotFound or SocketError.NoData => "Name or service not known",
        SocketError.TryAgain => "Temporary failure in name resolution",
        var code => new SocketException((int)code).Message,
    };

    /// <summary>
    /// Why a TLS handshake failed, in OpenSSL's words (what ncat and openssl s_client print), and what that means:
    /// .NET's own texts ("Cannot determine the frame size or a corrupted frame was received.") name neither.
    /// </summary>
    public static string Tls(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            switch (x)
            {
                case PlainTextReplyException plain:
                    return plain.Message;
                case SocketException socket:
                    return Socket(socket);
                case { Message: "Cannot determine the frame size or a corrupted frame was received." }:
                    return "wrong version number (the other side does not speak TLS)";
                case { Message: "Received an unexpected EOF or 0 bytes from the transport stream." }:
                    return "unexpected eof while reading (the other side closed the connection during the handshake)";
            }

            if (OpenSslReason().Match(x.Message) is { Success: true } openssl)
            {
                return openssl.Groups[1].Value;
            }

            if (Alert().Match(x.Message) is { Success: true } alert)
            {
                return $"the other side sent the TLS alert {alert.Groups[1].Value}";
            }
        }

        var innermost = e;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        return innermost.Message.TrimEnd('.');
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"error:[0-9A-Fa-f]+:[^:]*:[^:]*:(.+?)\.?$")]
    private static partial System.Text.RegularExpressions.Regex OpenSslReason();

    [System.Text.RegularExpressions.GeneratedRegex(@"TLS alert: '(\w+)'")]
    private static partial System.Text.RegularExpressions.Regex Alert();
}
