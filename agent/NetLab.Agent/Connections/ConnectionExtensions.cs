using System.IO.Pipelines;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;

namespace NetLab.Agent.Connections;

internal static class ConnectionExtensions
{
    /// <summary>The client's address as the agent sees it, IPv4-mapped IPv6 shown as IPv4.</summary>
    public static IPEndPoint Peer(this ConnectionContext connection)
    {
        var remote = connection.RemoteEndPoint as IPEndPoint ?? new IPEndPoint(IPAddress.None, 0);
        return remote.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(remote.Address.MapToIPv4(), remote.Port) : remote;
    }

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
