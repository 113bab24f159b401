using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using NetLab.Agent.Hosting;

namespace NetLab.Agent.Internet;

/// <summary>
/// The journal under attack: a failure a client caused (a reset, a broken TLS handshake, a renegotiation, a
/// refused upload) is one line without a stack trace, at most one per client address per minute and
/// <see cref="AgentLimits.ClientLogLinesPerMinute"/> in all; what was left out is counted in the next line.
/// So the journal grows by O(1) lines per abusive client per minute, whatever it does. Failures that are the
/// agent's own fault keep their stack trace (at most one per minute for each kind of exception; the next line of
/// that kind counts those left out).
/// </summary>
internal sealed class ClientLog(ILogger logger, TimeProvider time, int linesPerMinute)
{
    private readonly Lock _gate = new();

    // When each address last had a line; a minute later it is forgotten (no more than a minute's lines are ever tracked).
    private readonly AddressTable<LastLine> _lastLine = new(_ => new LastLine(), forgettable: l => time.GetElapsedTime(l.At) >= TimeSpan.FromMinutes(1));
    // When each kind of bug last had a line, and how many of that kind were left out since.
    private readonly Dictionary<Type, (long At, int LeftOut)> _lastBug = [];
    private long _windowStart = time.GetTimestamp();
    private int _linesInWindow;
    private int _suppressed;

    /// <summary>True for what a client can make happen: its connection broke, it spoke garbage or stopped reading.</summary>
    public static bool IsClientCaused(Exception e) => e is IOException or SocketException or ConnectionResetException
        or ConnectionAbortedException or AuthenticationException or OperationCanceledException or BadHttpRequestException
        or ObjectDisposedException or InvalidDataException;

    /// <summary>Logs a client-caused failure in one line, unless this address (or everyone) has had its share this minute.</summary>
    public void ClientFailed(IPAddress address, string what, Exception? e = null)
    {
        if (Admit(address, out var suppressed))
        {
            var reason = e is null ? what : $"{what}: {OneLine(e)}";
            Log.ClientFailed(logger, address, WithSuppressed(reason, suppressed));
        }
    }

    /// <summary>Logs how a raw transfer ended, under the same per-address share (a client can run many).</summary>
    public void TransferDone(IPEndPoint peer, string outcome)
    {
        if (Admit(peer.Address, out var suppressed))
        {
            Log.TransferDone(logger, peer, WithSuppressed(outcome, suppressed));
        }
    }

    private bool Admit(IPAddress address, out int suppressed)
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            if (time.GetElapsedTime(_windowStart, now) >= TimeSpan.FromMinutes(1))
            {
                _windowStart = now;
                _linesInWindow = 0;
            }

            var recent = _lastLine.Find(address) is { } last && time.GetElapsedTime(last.At, now) < TimeSpan.FromMinutes(1);
            if (recent || _linesInWindow >= linesPerMinute)
            {
                _suppressed++;
                suppressed = 0;
                return false;
            }

            if (_lastLine.GetOrAdd(address) is { } line)
            {
                line.At = now;
            }

            _linesInWindow++;
            suppressed = _suppressed;
            _suppressed = 0;
            return true;
        }
    }

    private static string WithSuppressed(string line, int suppressed) =>
        suppressed == 0 ? line : $"{line} ({suppressed} more such lines left out)";

    /// <summary>
    /// A failure of the agent's own (a bug): logged at Error with its stack trace, once a minute per kind of exception.
    /// <paramref name="what"/> says what it broke ("its connection", "GET /index: answered 500 ...").
    /// </summary>
    public void Unexpected(IPAddress address, string what, Exception e)
    {
        int leftOut;
        lock (_gate)
        {
            var now = time.GetTimestamp();
            var kind = e.GetType();
            if (_lastBug.TryGetValue(kind, out var last) && time.GetElapsedTime(last.At, now) < TimeSpan.FromMinutes(1))
            {
                _lastBug[kind] = (last.At, last.LeftOut + 1);
                return;
            }

            leftOut = last.LeftOut;
            _lastBug[kind] = (now, 0);
        }

        Log.Unexpected(logger, address, WithSuppressed(what, leftOut), e);
    }

    private static string OneLine(Exception e)
    {
        var text = e.InnerException is { } inner && inner.Message != e.Message ? $"{e.Message} ({inner.Message})" : e.Message;
        return $"{e.GetType().Name}: {text.ReplaceLineEndings(" ")}";
    }

    private sealed class LastLine
    {
        public long At;
    }
}
