using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using NetLab.Agent.Connections;
using NetLab.Agent.Http;

namespace NetLab.Agent.Closing;

/// <summary>
/// The connection as Kestrel's HTTP layer sees it, minus one behaviour: the socket transport fires
/// <c>ConnectionClosed</c> on the client's FIN, and Kestrel then aborts the response
/// in flight (dotnet/aspnetcore#13188). A client may half-close right after its request (RFC 9293 §3.6;
/// <c>printf 'GET / ...' | nc -q1</c>) and must still get its answer. Kestrel still learns of the FIN
/// through the input pipe's completion (see <see cref="HalfCloseInput"/>), and of a reset through the pipes' errors.
/// </summary>
internal sealed class HalfCloseTolerantConnection(ConnectionContext inner) : ConnectionContext
{
    private readonly CancellationTokenSource _closed = new();
    private IDuplexPipe _transport = KestrelErrorBodies.Wrap(inner.Transport, Activity(inner), input => new HalfCloseInput(input));

    public override string ConnectionId { get => inner.ConnectionId; set => inner.ConnectionId = value; }

    public override IFeatureCollection Features => inner.Features;

    public override IDictionary<object, object?> Items { get => inner.Items; set => inner.Items = value; }

    public override IDuplexPipe Transport { get => _transport; set => _transport = value; }

    public override EndPoint? LocalEndPoint { get => inner.LocalEndPoint; set => inner.LocalEndPoint = value; }

    public override EndPoint? RemoteEndPoint { get => inner.RemoteEndPoint; set => inner.RemoteEndPoint = value; }

    public override CancellationToken ConnectionClosed { get => _closed.Token; set { } }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        inner.Abort(abortReason);
        _closed.Cancel();
    }

    public override ValueTask DisposeAsync()
    {
        _closed.Cancel();
        _closed.Dispose();
        return base.DisposeAsync(); // the wrapped connection is Kestrel's to dispose, not ours
    }

    /// <summary>Runs Kestrel's HTTP delegate on the connection, shielded from the half-close abort.</summary>
    public static async Task ServeAsync(ConnectionDelegate http, ConnectionContext connection)
    {
        await using var tolerant = new HalfCloseTolerantConnection(connection);
        await http(tolerant);
    }

    /// <summary>The connection's count of running application requests (HttpGate keeps it on the LabConnection).</summary>
    private static KestrelErrorBodies.ApplicationActivity Activity(ConnectionContext connection) =>
        connection.Features.Get<LabConnection>()?.Http ?? new KestrelErrorBodies.ApplicationActivity();
}
