using System.Collections.Concurrent;
using System.Net;

namespace NetLab.Agent.Connections;

/// <summary>What the next connection from an address is for.</summary>
public enum TransferDirection
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
/// <param name="Notify">Tells the session that armed it how the transfer went (it may be gone).</param>
public sealed record ArmedTransfer(
    TransferDirection Direction,
    string Name,
    long? ExpectedLength,
    DateTimeOffset Expires,
    Func<string, ValueTask> Notify);

/// <summary>
/// One armed transfer per client address: the next connection from that address skips sniffing and is
/// the raw transfer, because a file's bytes can look like anything (TLS, HTTP or text).
/// </summary>
public sealed class TransferArming(TimeProvider time)
{
    private readonly ConcurrentDictionary<IPAddress, ArmedTransfer> _armed = new();

    /// <summary>Arms (or re-arms) the next connection from <paramref name="address"/>.</summary>
    public void Arm(IPAddress address, ArmedTransfer transfer) => _armed[address] = transfer;

    /// <summary>Takes the transfer armed for <paramref name="address"/>, if one is armed and not expired.</summary>
    public ArmedTransfer? Take(IPAddress address)
    {
        if (_armed.IsEmpty || !_armed.TryRemove(address, out var transfer))
        {
            return null;
        }

        return transfer.Expires > time.GetUtcNow() ? transfer : null;
    }
}
