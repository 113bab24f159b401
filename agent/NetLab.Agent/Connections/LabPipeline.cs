using Microsoft.AspNetCore.Server.Kestrel.Core;
using NetLab.Agent.Hosting;
using NetLab.Agent.Sniffing;

namespace NetLab.Agent.Connections;

/// <summary>The agent's connection middleware as chainable <c>UseXxx</c> calls on one ListenOptions, as Kestrel composes its own.</summary>
internal static class LabPipeline
{
    /// <summary>The connection table, egress metering and quiet failure logging (first, before anything reads).</summary>
    public static ListenOptions UseLabLimits(this ListenOptions listen, LabServices lab)
    {
        listen.Use(next => new ConnectionLimitMiddleware(next, lab).OnConnectionAsync);
        return listen;
    }

    /// <summary>
    /// The sniffer: before TLS (<paramref name="insideTls"/> false) armed transfers, TLS, HTTP and text; inside
    /// TLS, HTTP and text. The last one, inside TLS, captures Kestrel's HTTP delegate into <paramref name="handoff"/>.
    /// </summary>
    public static ListenOptions UseLabSniffing(this ListenOptions listen, LabServices lab, HttpHandoff handoff, bool insideTls)
    {
        listen.Use(next =>
        {
            if (insideTls)
            {
                handoff.Http = next; // the last middleware: its next is Kestrel's HTTP delegate
            }

            return new SniffMiddleware(next, handoff, lab, insideTls).OnConnectionAsync;
        });
        return listen;
    }

    /// <summary>
    /// HTTP as the lab port serves it, for the web port, which has no sniffer: a client that half-closes after its
    /// request (<c>printf 'GET / ...' | nc -q1</c>) still gets its answer, and Kestrel's own error responses get bodies
    /// (see <see cref="HalfCloseTolerantConnection"/>). The last middleware: its next is Kestrel's HTTP delegate.
    /// </summary>
    public static ListenOptions UseLabHttp(this ListenOptions listen)
    {
        listen.Use(next => connection => HalfCloseTolerantConnection.ServeAsync(next, connection));
        return listen;
    }

    /// <summary>TLS connections get 4 KiB blocks only (see <see cref="TlsMemoryPoolMiddleware"/>); put before UseHttps.</summary>
    public static ListenOptions UseSmallBlocksForTls(this ListenOptions listen)
    {
        listen.Use(next => new TlsMemoryPoolMiddleware(next).OnConnectionAsync);
        return listen;
    }
}
