using Microsoft.AspNetCore.Server.Kestrel.Core;
using NetLab.Agent.Closing;
using NetLab.Agent.Connections;
using NetLab.Agent.Internet;
using NetLab.Agent.Listening;
using NetLab.Agent.Text;
using NetLab.Agent.Transfers;

namespace NetLab.Agent.Pipeline;

/// <summary>
/// The agent's connection middleware as chainable <c>UseXxx</c> calls on one ListenOptions, as Kestrel composes its
/// own. Each link is given the few things it uses; <see cref="Hosting.AgentHost"/> puts them in order, in one place.
/// </summary>
internal static class LabPipeline
{
    /// <summary>The connection table, egress metering and quiet failure logging (first, before anything reads).</summary>
    public static ListenOptions UseLabLimits(
        this ListenOptions listen, ConnectionTable connections, EgressBudget egress, ClientLog clientLog, TimeProvider time, CancellationToken stopping)
    {
        listen.Use(next => new ConnectionLimitMiddleware(next, connections, egress, clientLog, time, stopping).OnConnectionAsync);
        return listen;
    }

    /// <summary>
    /// The sniffer: before TLS (<paramref name="insideTls"/> false) armed transfers, TLS, HTTP and text; inside
    /// TLS, HTTP and text. HTTP goes to <paramref name="http"/>, which <see cref="UseHttpEntry"/> binds.
    /// </summary>
    public static ListenOptions UseLabSniffing(
        this ListenOptions listen, HttpEntry http, SniffWindows windows, BrowserMemory browsers, ArmedTransfers transfers, ListenBridges listens, TextServices text, bool insideTls)
    {
        listen.Use(next => new SniffMiddleware(next, http, windows, browsers, transfers, listens, text, insideTls).OnConnectionAsync);
        return listen;
    }

    /// <summary>The last link on the lab port: Kestrel's HTTP, kept in <paramref name="http"/> for the sniffers (see <see cref="HttpEntry"/>).</summary>
    public static ListenOptions UseHttpEntry(this ListenOptions listen, HttpEntry http)
    {
        listen.Use(http.Bind);
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
