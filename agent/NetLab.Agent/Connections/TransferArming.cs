using System.Net;

namespace NetLab.Agent.Connections;

/// <summary>What the next connection from an address is for.</summary>
internal enum TransferDirection
{
    /// <summary>Store everything it sends into the file (<c>ncat -l 11211 &gt; outputfile</c>).</summary>
    Receive,

    /// <summary>Send it the file, then close (<c>ncat -l 11211 &lt; inputfile</c>).</summary>
    Send,
}

/// <summary>An armed transfer, set up by <c>/recv</c> or <c>/send</c> in a text session.</summary>
/// <param name="Direction">Into the file or out of it.</param>
/// <param name="Name">The stored file.</param>
/// <param name="ExpectedLength">With <c>/recv NAME SIZE</c>: anything shorter is not stored.</param>
/// <param name="Expires">When the arming lapses.</param>
/// <param name="Session">The session that armed it (one arm per session and address).</param>
/// <param name="Notify">Tells that session how the transfer went, without waiting for it (it may be gone).</param>
internal sealed record ArmedTransfer(
    TransferDirection Direction,
    string Name,
    long? ExpectedLength,
    DateTimeOffset Expires,
    object Session,
    Func<string, bool> Notify);

/// <summary>
/// One armed transfer per client address. Which connection is the transfer is decided by how it starts (see
/// the sniffer): for <c>/recv</c>, the next connection from the address that sends data at once (not an HTTP
/// request line, not TLS); for <c>/send</c>, the next one that closes its sending side at once without sending
/// anything (<c>ncat HOST PORT &lt; /dev/null &gt; FILE</c>). So a classmate behind the same NAT who opens an
/// ordinary nc session (silent until a person types) or sends a curl request is never taken for it.
/// </summary>
/// <remarks>
/// What the agent cannot tell apart, it refuses: when a second session at an address asks for a raw transfer
/// while one is armed, both are two people behind one NAT address, and a raw connection names no file. Both
/// arms are refused (the first one cancelled, its session told why), raw transfers from that address pause for
/// the arm timeout, and both are pointed at HTTP, whose requests name their file.
/// </remarks>
internal sealed class TransferArming(TimeProvider time, TimeSpan armTimeout, int port)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<IPAddress, ArmedTransfer> _armed = [];
    private readonly Dictionary<IPAddress, DateTimeOffset> _paused = [];

    /// <summary>Arms (or re-arms) the next connection from <paramref name="address"/>; null when armed, else the refusal.</summary>
    public string? Arm(IPAddress address, ArmedTransfer transfer)
    {
        ArmedTransfer? cancelled = null;
        string refusal;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (_paused.TryGetValue(address, out var until) && until > now)
            {
                return $"ERROR raw transfers from {address} are paused for {(until - now).TotalSeconds:0} more s: two sessions at this address asked for one at once "
                    + "(classmates behind the same NAT?), and a raw connection names no file, so the agent cannot tell whose is whose. "
                    + HttpHint(transfer);
            }

            _paused.Remove(address);
            if (!_armed.TryGetValue(address, out var existing) || existing.Expires <= now || ReferenceEquals(existing.Session, transfer.Session))
            {
                _armed[address] = transfer;
                return null;
            }

            // Two people at one address: refuse both, rather than guess.
            _armed.Remove(address);
            _paused[address] = now + armTimeout;
            cancelled = existing;
            refusal = $"ERROR another session from {address} has a transfer armed ({existing.Name}): behind a shared NAT the agent cannot tell whose "
                + $"connection is whose, so both are refused and raw transfers from this address pause for {armTimeout.TotalSeconds:0} s. " + HttpHint(transfer);
        }

        cancelled.Notify($"ERROR your {Command(cancelled)} {cancelled.Name} was cancelled: another session from {address} asked for a raw transfer too "
            + "(a classmate behind the same NAT?), and the agent cannot tell whose connection is whose. " + HttpHint(cancelled));
        return refusal;
    }

    /// <summary>The transfer armed for <paramref name="address"/>, if one is armed and not expired; it stays armed.</summary>
    public ArmedTransfer? Peek(IPAddress address)
    {
        lock (_gate)
        {
            if (_armed.Count == 0 || !_armed.TryGetValue(address, out var transfer))
            {
                return null;
            }

            if (transfer.Expires > time.GetUtcNow())
            {
                return transfer;
            }

            _armed.Remove(address);
            return null;
        }
    }

    /// <summary>Takes <paramref name="transfer"/> for a connection: true when it was still the one armed.</summary>
    public bool TryTake(IPAddress address, ArmedTransfer transfer)
    {
        lock (_gate)
        {
            return _armed.TryGetValue(address, out var armed) && ReferenceEquals(armed, transfer) && _armed.Remove(address);
        }
    }

    private static string Command(ArmedTransfer transfer) => transfer.Direction == TransferDirection.Receive ? "/recv" : "/send";

    private string HttpHint(ArmedTransfer transfer) => transfer.Direction == TransferDirection.Receive
        ? $"Use HTTP, which names the file: curl -T FILE http://HOST:{port}/files/{transfer.Name}"
        : $"Use HTTP, which names the file: curl -o FILE http://HOST:{port}/files/{transfer.Name}";
}
