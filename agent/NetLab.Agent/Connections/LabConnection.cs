using System.Net;
using Microsoft.AspNetCore.Connections;
using NetLab.Agent.Http;
using NetLab.Agent.Internet;

namespace NetLab.Agent.Connections;

/// <summary>
/// One admitted TCP connection as the agent's limits see it: whose it is, its egress account, when it last
/// made progress, and whether it was shed to make room. A connection feature: the sniffer, the text session and
/// HTTP find it with <c>Features.Get&lt;LabConnection&gt;()</c>.
/// </summary>
internal sealed class LabConnection : IDisposable
{
    private readonly ConnectionContext _connection;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _shed = new();
    private long _lastActivity;

    public LabConnection(ConnectionContext connection, IPEndPoint peer, EgressAccount? egress, TimeProvider time)
    {
        _connection = connection;
        _time = time;
        Peer = peer;
        Egress = egress;
        _lastActivity = time.GetTimestamp();
    }

    /// <summary>The client as the agent sees it (IPv4-mapped addresses shown as IPv4).</summary>
    public IPEndPoint Peer { get; }

    public IPAddress Address => Peer.Address;

    public bool IsLoopback => IPAddress.IsLoopback(Peer.Address);

    /// <summary>What this connection may still send; null on loopback, which costs nothing.</summary>
    public EgressAccount? Egress { get; }

    /// <summary>
    /// Set when the agent refuses this connection for the egress budget and is about to close it: the refusal (one
    /// short line or a 429) still goes out when the address owes too much, so the client learns why and what to do.
    /// </summary>
    public bool Refusing { get; set; }

    /// <summary>Cancelled when the agent closes this connection to make room for a new address.</summary>
    public CancellationToken Shed => _shed.Token;

    /// <summary>Why the connection was shed, to tell the client.</summary>
    public string? ShedReason { get; private set; }

    /// <summary>The last time bytes moved either way (a timestamp of the agent's TimeProvider).</summary>
    public long LastActivity => Volatile.Read(ref _lastActivity);

    /// <summary>The application requests running on this connection, when it is HTTP (see <see cref="KestrelErrorBodies"/>).</summary>
    public KestrelErrorBodies.ApplicationActivity Http { get; } = new();

    /// <summary>Counted in the connection table (false once shed or closed).</summary>
    internal bool Counted { get; set; }

    public void Touch() => Volatile.Write(ref _lastActivity, _time.GetTimestamp());

    /// <summary>Closes the connection to make room: a text session says why and closes; anything else is aborted soon after.</summary>
    public void ShedNow(string reason)
    {
        ShedReason = reason;
        try
        {
            _shed.Cancel();
        }
        catch (ObjectDisposedException)
        {
            return; // it closed on its own meanwhile
        }

        _ = AbortSoonAsync();
    }

    public void Dispose()
    {
        Egress?.Dispose();
        _shed.Dispose();
    }

    private async Task AbortSoonAsync()
    {
        // Time for a text session to say why; then whatever it is, it goes.
        await Task.Delay(TimeSpan.FromSeconds(2), _time);
        _connection.Abort(new ConnectionAbortedException(ShedReason ?? "shed"));
    }
}
