using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using NetLab.Agent.Connections;
using NetLab.Agent.Internet;

namespace NetLab.Agent.Listening;

/// <summary>
/// <c>netlab-agent listen</c>: the tutorial's <c>nc -l 11211</c> on a lab host whose port 11211 the agent
/// holds. A terminal on the host itself (a loopback connection that sent <c>/listen ADDR</c>) waits here for
/// the next plain connection from ADDR (the ssh client's own address: <c>nc HOST 11211</c> on the laptop);
/// that one connection is bridged, byte for byte both ways, to the terminal, as ncat -l would serve it. Any
/// other address, and any connection from ADDR that is HTTP, TLS or starts with a lab command, is served by
/// the agent as usual: a scanner never reaches the terminal.
/// </summary>
/// <remarks>
/// Each side's EOF (Ctrl-D, or <c>nc -N</c> at the end of its input) half-closes towards the other, which may
/// still send, as socat and ncat do; the bridge is over when both have ended, at an error, or after the idle
/// timeout. Bytes to the remote side are charged to its egress budget like everything else the agent sends.
/// </remarks>
internal sealed class ListenBridges(AgentLimits limits, LabUse use, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<IPAddress, ListenWait> _waiting = [];

    /// <summary>Registers a terminal waiting for <paramref name="wait"/>'s address; null when it waits, else the refusal.</summary>
    public string? Wait(ListenWait wait)
    {
        lock (_gate)
        {
            if (_waiting.TryGetValue(wait.From, out var other) && !other.Remote.Task.IsCompleted)
            {
                return $"ERROR another netlab-agent listen (from {other.Host}) is already waiting for {wait.From}";
            }

            _waiting[wait.From] = wait;
            return null;
        }
    }

    /// <summary>How many terminals wait (for /health and the tests).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>
    /// Hands a remote connection to the terminal waiting for its address, if one waits and the connection is a
    /// plain one (the sniffer's Text, not starting with a lab command); returns when the bridge is over. False:
    /// nobody waits for it, serve it as usual.
    /// </summary>
    public async Task<bool> TryBridgeAsync(ConnectionContext remote, IPEndPoint peer)
    {
        ListenWait? wait;
        lock (_gate)
        {
            if (_waiting.Count == 0 || !_waiting.Remove(Normal(peer.Address), out wait))
            {
                return false;
            }
        }

        if (!wait.Remote.TrySetResult((remote, peer)))
        {
            return false; // the terminal left just now
        }

        await wait.Finished.Task;
        return true;
    }

    /// <summary>
    /// The terminal's side: waits for the remote connection (or for the terminal to leave, or the agent to stop),
    /// then runs the bridge. <paramref name="host"/> is the terminal's connection, after its session said OK.
    /// </summary>
    public async Task HoldAsync(ConnectionContext host, ListenWait wait, CancellationToken stopping)
    {
        var input = host.Transport.Input;
        var output = host.Transport.Output;
        var arrived = wait.Remote.Task.ContinueWith(_ => input.CancelPendingRead(), TaskScheduler.Default);
        try
        {
            while (!wait.Remote.Task.IsCompleted)
            {
                var read = await input.ReadAsync(stopping);
                if (read.IsCanceled && wait.Remote.Task.IsCompleted)
                {
                    input.AdvanceTo(read.Buffer.Start);
                    break;
                }

                // netlab-agent listen sends nothing before the connection: anything else on the terminal's side,
                // or its leaving, ends the wait.
                input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                if (read.IsCompleted || read.Buffer.Length > limits.MaxLineBytes)
                {
                    return;
                }
            }

            var (remote, peer) = await wait.Remote.Task;
            await arrived; // its cancellation may still end one read early: the copies read on
            await SendAsync(host, System.Text.Encoding.ASCII.GetBytes($"OK connection from {peer}\r\n"), stopping);
            await BridgeAsync(host, remote, peer.Address, stopping);
        }
        catch (Exception e) when (ClientLog.IsClientCaused(e) || e is OperationCanceledException)
        {
            // Either side left, stalled, or the agent is stopping: the bridge is over.
        }
        finally
        {
            lock (_gate)
            {
                if (_waiting.TryGetValue(wait.From, out var current) && ReferenceEquals(current, wait))
                {
                    _waiting.Remove(wait.From);
                }
            }

            wait.Remote.TrySetCanceled(CancellationToken.None); // the wait is over, whoever ended it
            wait.Finished.TrySetResult();
        }
    }

    private async Task BridgeAsync(ConnectionContext host, ConnectionContext remote, IPAddress address, CancellationToken stopping)
    {
        using var idle = new CancellationTokenSource(limits.IdleTimeout, time);
        using var over = CancellationTokenSource.CreateLinkedTokenSource(stopping, idle.Token, remote.Features.Get<LabConnection>()?.Shed ?? CancellationToken.None);
        var lastUse = time.GetTimestamp();
        void Progressed()
        {
            idle.CancelAfter(limits.IdleTimeout);
            if (time.GetElapsedTime(lastUse) > TimeSpan.FromSeconds(5))
            {
                lastUse = time.GetTimestamp();
                use.Record(address); // two people typing to each other is lab use
            }
        }

        use.Record(address);
        var fromRemote = PumpAsync(remote.Transport.Input, host, Progressed, over.Token);
        var toRemote = PumpAsync(host.Transport.Input, remote, Progressed, over.Token);
        try
        {
            // Each side's EOF half-closes towards the other, which may still send (as socat and ncat do): the
            // bridge is over when both sides have ended, or at an error either way, or after the idle timeout.
            var first = await Task.WhenAny(fromRemote, toRemote);
            await first;
            await (first == fromRemote ? toRemote : fromRemote);
        }
        finally
        {
            await over.CancelAsync();
            await Task.WhenAll(fromRemote, toRemote).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// One direction: what <paramref name="from"/> sends, to <paramref name="to"/>'s socket, then (at its EOF) a FIN
    /// after the last byte. Straight to the socket, because Kestrel's output pipe can only close a socket whole; bytes
    /// to the remote side are charged to its egress account all the same.
    /// </summary>
    private async Task PumpAsync(PipeReader from, ConnectionContext to, Action progressed, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await from.ReadAsync(cancellationToken);
            foreach (var segment in read.Buffer)
            {
                await SendAsync(to, segment, cancellationToken);
            }

            from.AdvanceTo(read.Buffer.End);
            if (!read.Buffer.IsEmpty)
            {
                progressed();
            }

            if (read.IsCompleted)
            {
                if (to.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket)
                {
                    socket.Shutdown(SocketShutdown.Send);
                }
                else
                {
                    await to.Transport.Output.CompleteAsync();
                }

                return;
            }
        }
    }

    private async Task SendAsync(ConnectionContext to, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        var account = to.Features.Get<LabConnection>();
        account?.Egress?.Charge(bytes.Length);
        account?.Touch();
        if (account?.Egress is { Overdrawn: true })
        {
            throw new ConnectionAbortedException(EgressAccount.Spent);
        }

        if (to.Features.Get<IConnectionSocketFeature>()?.Socket is not { } socket)
        {
            await to.Transport.Output.WriteAsync(bytes, cancellationToken);
            await Progress.FlushAsync(to.Transport.Output, limits.StallTimeout, time, cancellationToken);
            return;
        }

        using var stall = new CancellationTokenSource(limits.StallTimeout, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stall.Token);
        try
        {
            await socket.SendAsync(bytes, SocketFlags.None, either.Token);
        }
        catch (OperationCanceledException) when (stall.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new StalledException($"the other side read nothing for {limits.StallTimeout.TotalSeconds:0} s");
        }
    }

    /// <summary>An address as the agent's peers carry it (a dual-stack listener sees ::ffff:a.b.c.d).</summary>
    public static IPAddress Normal(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}

/// <summary>A terminal on the host (<paramref name="Host"/>) waiting for the next plain connection from <paramref name="From"/>.</summary>
internal sealed record ListenWait(IPAddress From, IPEndPoint Host)
{
    /// <summary>The remote connection, when it arrives.</summary>
    public TaskCompletionSource<(ConnectionContext Connection, IPEndPoint Peer)> Remote { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Set when the bridge (or the wait) is over: the remote connection's middleware returns then.</summary>
    public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
