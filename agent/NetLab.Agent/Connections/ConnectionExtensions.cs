using System.IO.Pipelines;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;

namespace NetLab.Agent.Connections;

internal static class ConnectionExtensions
{
    /// <summary>The client's address as the agent sees it, IPv4-mapped IPv6 shown as IPv4.</summary>
    public static IPEndPoint Peer(this ConnectionContext connection) => Normalize(connection.RemoteEndPoint as IPEndPoint ?? new IPEndPoint(IPAddress.None, 0));

    /// <summary>IPv4-mapped IPv6 (a dual-mode socket's view of an IPv4 client) as the IPv4 address it is.</summary>
    public static IPEndPoint Normalize(IPEndPoint endpoint) =>
        endpoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endpoint.Address.MapToIPv4(), endpoint.Port) : endpoint;

    /// <summary>Writes text followed by CRLF (the text session's line ending) without flushing.</summary>
    public static void WriteLine(this PipeWriter output, string text)
    {
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length) + 2);
        var n = Encoding.UTF8.GetBytes(text, span);
        span[n] = (byte)'\r';
        span[n + 1] = (byte)'\n';
        output.Advance(n + 2);
    }
}
