using System.Net;
using NetLab.Agent.Internet;

namespace NetLab.Agent.Transfers;

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
/// <param name="Session">The session that armed it (one arm per session).</param>
/// <param name="Notify">Tells that session something (its turn came, how the transfer went) without waiting; false when it is gone.</param>
/// <param name="ArmedLine">What the session is told when its turn comes: <c>OK armed: ...</c>.</param>
internal sealed record ArmedTransfer(
    TransferDirection Direction,
    string Name,
    long? ExpectedLength,
    object Session,
    Func<string, bool> Notify,
    string ArmedLine);

/// <summary>
/// Raw transfers armed per client address, taking turns. Which connection is the transfer is decided by how it
/// starts (see the sniffer): for <c>/recv</c>, the next connection from the address that sends data at once (not
/// an HTTP request line, not TLS, not a lab command); for <c>/send</c>, the next one that closes its sending side
/// at once without sending anything (<c>ncat HOST PORT &lt; /dev/null &gt; FILE</c>). So a classmate behind the
/// same NAT who opens an ordinary nc session (silent until a person types), sends a curl request or a TLS
/// handshake is never taken for it.
/// </summary>
/// <remarks>
/// A raw connection names no file, so at one address only one transfer is armed at a time: the one whose turn it
/// is. Classmates behind one NAT who arm at once queue, in the order of their <c>/recv</c> (or <c>/send</c>): each
/// is told its place (<c>queued: 1 transfer from your address is ahead of yours</c>), and <c>OK armed: ...</c>
/// when its turn comes; only then does it send. A turn ends when its connection comes, or after the arm timeout
/// without one (the session is told, and the turn passes on). The queue holds at most the address's
/// <see cref="SourceLimits.MaxQueuedTransfers"/>, so a wait is at most that many arm timeouts.
/// </remarks>
internal sealed class TransferArming(TimeProvider time, TimeSpan armTimeout, int port, TrustedSources sources)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<IPAddress, Turns> _addresses = [];

    /// <summary>Arms (or queues) a transfer for <paramref name="address"/>; returns the line to answer with: OK armed, queued, or the refusal.</summary>
    public string Arm(IPAddress address, ArmedTransfer transfer)
    {
        address = AddressTable.Normalize(address);
        List<(ArmedTransfer, string)> notices = [];
        string reply;
        lock (_gate)
        {
            if (!_addresses.TryGetValue(address, out var turns))
            {
                _addresses[address] = turns = new Turns();
            }

            Expire(address, turns, notices);
            var mine = turns.Waiting.FindIndex(t => ReferenceEquals(t.Session, transfer.Session));
            var limit = sources.For(address);
            if (mine >= 0)
            {
                turns.Waiting[mine] = transfer; // re-armed by the same session: its place is kept
            }
            else if (turns.Waiting.Count >= limit.MaxQueuedTransfers)
            {
                var refusal = $"ERROR {turns.Waiting.Count} raw transfers from {address} are armed or queued already, the most one address may have "
                    + $"(each waits up to {armTimeout.TotalSeconds:0} s for its connection); try again in a minute. {HttpHint(transfer)}";
                return refusal + LimitAdvice.ForClass(limit);
            }
            else
            {
                turns.Waiting.Add(transfer);
                mine = turns.Waiting.Count - 1;
            }

            if (mine == 0)
            {
                StartTurn(address, turns);
                reply = transfer.ArmedLine;
            }
            else
            {
                EndOnTime(address, turns);
                reply = $"queued: {mine} transfer{(mine == 1 ? "" : "s")} from your address {(mine == 1 ? "is" : "are")} ahead of yours (classmates behind the same NAT "
                    + $"take turns, in the order they armed); you will be told when your turn comes: send only then";
            }
        }

        Send(notices);
        return reply;
    }

    /// <summary>The transfer whose turn it is at <paramref name="address"/>, if its window is open; it stays armed.</summary>
    public ArmedTransfer? Peek(IPAddress address)
    {
        address = AddressTable.Normalize(address);
        List<(ArmedTransfer, string)> notices = [];
        ArmedTransfer? current;
        lock (_gate)
        {
            if (_addresses.Count == 0 || !_addresses.TryGetValue(address, out var turns))
            {
                return null;
            }

            Expire(address, turns, notices);
            current = turns.Waiting.FirstOrDefault();
        }

        Send(notices);
        return current;
    }

    /// <summary>Takes <paramref name="transfer"/> for a connection: true when it was the one whose turn it was. The turn passes on.</summary>
    public bool TryTake(IPAddress address, ArmedTransfer transfer)
    {
        address = AddressTable.Normalize(address);
        List<(ArmedTransfer, string)> notices = [];
        lock (_gate)
        {
            if (!_addresses.TryGetValue(address, out var turns) || turns.Waiting.Count == 0 || !ReferenceEquals(turns.Waiting[0], transfer))
            {
                return false;
            }

            turns.Waiting.RemoveAt(0);
            NextTurn(address, turns, notices);
        }

        Send(notices);
        return true;
    }

    /// <summary>Transfers armed or queued at <paramref name="address"/> (for tests and /health).</summary>
    public int Count(IPAddress address)
    {
        lock (_gate)
        {
            return _addresses.TryGetValue(AddressTable.Normalize(address), out var turns) ? turns.Waiting.Count : 0;
        }
    }

    // Under _gate: the head's window has closed without its connection: it lapses, and the turn passes on.
    private void Expire(IPAddress address, Turns turns, List<(ArmedTransfer, string)> notices)
    {
        while (turns.Waiting.Count > 0 && turns.Expires <= time.GetUtcNow())
        {
            var lapsed = turns.Waiting[0];
            turns.Waiting.RemoveAt(0);
            notices.Add((lapsed, $"ERROR your {Command(lapsed)} {lapsed.Name} lapsed: no connection came within {armTimeout.TotalSeconds:0} s; the turn passes on. Arm it again to retry"));
            NextTurn(address, turns, notices);
        }
    }

    // Under _gate: the next transfer's turn begins (its session is told now), or the address has none left.
    private void NextTurn(IPAddress address, Turns turns, List<(ArmedTransfer, string)> notices)
    {
        turns.Timer?.Dispose();
        turns.Timer = null;
        if (turns.Waiting.Count == 0)
        {
            _addresses.Remove(address);
            return;
        }

        StartTurn(address, turns);
        notices.Add((turns.Waiting[0], turns.Waiting[0].ArmedLine));
    }

    // Under _gate.
    private void StartTurn(IPAddress address, Turns turns)
    {
        turns.Expires = time.GetUtcNow() + armTimeout;
        turns.Timer?.Dispose();
        turns.Timer = null;
        EndOnTime(address, turns);
    }

    // Under _gate: someone is waiting for this turn to end: end it on time even if no connection comes to look.
    private void EndOnTime(IPAddress address, Turns turns)
    {
        if (turns.Waiting.Count > 1 && turns.Timer is null)
        {
            var due = turns.Expires - time.GetUtcNow() + TimeSpan.FromMilliseconds(10);
            turns.Timer = time.CreateTimer(_ => Peek(address), null, due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
    }

    // Outside _gate. A session that is gone when its turn comes passes the turn on at once.
    private void Send(List<(ArmedTransfer Transfer, string Line)> notices)
    {
        for (var i = 0; i < notices.Count; i++)
        {
            var (transfer, line) = notices[i];
            if (!transfer.Notify(line) && ReferenceEquals(line, transfer.ArmedLine))
            {
                Abandon(transfer, notices);
            }
        }
    }

    // Outside _gate: a transfer whose session is gone gives up its turn; what that starts is appended to the notices.
    private void Abandon(ArmedTransfer transfer, List<(ArmedTransfer, string)> notices)
    {
        lock (_gate)
        {
            foreach (var (address, turns) in _addresses)
            {
                if (turns.Waiting.Count > 0 && ReferenceEquals(turns.Waiting[0], transfer))
                {
                    turns.Waiting.RemoveAt(0);
                    NextTurn(address, turns, notices);
                    return;
                }
            }
        }
    }

    private static string Command(ArmedTransfer transfer) => transfer.Direction == TransferDirection.Receive ? "/recv" : "/send";

    private string HttpHint(ArmedTransfer transfer) => transfer.Direction == TransferDirection.Receive
        ? $"Or use HTTP, which names the file: curl -T FILE http://HOST:{port}/files/{transfer.Name}"
        : $"Or use HTTP, which names the file: curl -o FILE http://HOST:{port}/files/{transfer.Name}";

    private sealed class Turns
    {
        /// <summary>In arm order; the first one's turn it is.</summary>
        public List<ArmedTransfer> Waiting { get; } = [];

        /// <summary>When the first one's window closes.</summary>
        public DateTimeOffset Expires { get; set; }

        public ITimer? Timer { get; set; }
    }
}
