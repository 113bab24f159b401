using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Connections;
using NetLab.Agent.Connections;
using NetLab.Agent.Internet;
using NetLab.Agent.Sniffing;
using NetLab.Agent.Storage;

namespace NetLab.Agent.Transfers;

/// <summary>
/// Serves a connection that a <c>/recv</c> or <c>/send</c> armed: raw bytes into or out of a stored file,
/// exactly what <c>ncat -l 11211 &gt; outputfile</c> and <c>ncat -l 11211 &lt; file</c> do. Which connection
/// that is, <see cref="TransferArming"/> explains; <see cref="Match"/> applies it to what the sniffer saw.
/// </summary>
internal sealed class ArmedTransfers(TransferArming arming, FileStore store, LabUse use, AgentLimits limits, TimeProvider time, ClientLog log)
{
    /// <summary>
    /// The transfer this connection is, if one is armed for its address and it starts the way that transfer's
    /// connection does: data at once (not HTTP, not TLS) for a receive; its sending side closed at once, with
    /// nothing sent, for a send. A connection that starts with a lab command line (<c>printf '/files\nq\n' | nc</c>)
    /// is a session, not a file. Null for anything else, which is served as usual.
    /// </summary>
    public ArmedTransfer? Match(IPAddress address, SniffResult sniff) => arming.Peek(address) is not { } transfer ? null
        : transfer.Direction == TransferDirection.Receive && sniff is { Verdict: SniffVerdict.Text, SawData: true, StartsWithCommand: false } ? transfer
        : transfer.Direction == TransferDirection.Send && sniff is { SawData: false, SawEnd: true } ? transfer
        : null;

    /// <summary>Runs the transfer, if it is still armed (true), and tells the session that armed it how it went.</summary>
    public async Task<bool> TryServeAsync(ConnectionContext connection, LabConnection? admitted, ArmedTransfer transfer)
    {
        var peer = admitted?.Peer ?? connection.Peer();
        if (!arming.TryTake(peer.Address, transfer))
        {
            return false;
        }

        var clock = Stopwatch.StartNew();
        string outcome;
        try
        {
            outcome = transfer.Direction == TransferDirection.Receive
                ? await ReceiveAsync(connection, peer.Address, transfer, clock)
                : await SendAsync(connection, admitted, peer.Address, transfer, clock);
        }
        catch (StorageException e)
        {
            outcome = $"ERROR {transfer.Name}: {e.Message}";
        }
        catch (StalledException e)
        {
            outcome = $"ERROR {transfer.Name}: {e.Message} (the stall timeout); {(transfer.Direction == TransferDirection.Receive ? "nothing was stored" : "the transfer was cut off")}";
        }
        catch (Exception e) when (ClientLog.IsClientCaused(e))
        {
            outcome = $"ERROR {transfer.Name}: the connection from {peer} broke off ({e.Message}); {(transfer.Direction == TransferDirection.Receive ? "nothing was stored" : "the transfer was cut off")}";
        }

        log.TransferDone(peer, outcome);
        transfer.Notify(outcome); // never waits; the session may be gone, and the log line above is the record
        return true;
    }

    private async Task<string> ReceiveAsync(ConnectionContext connection, IPAddress owner, ArmedTransfer transfer, Stopwatch clock)
    {
        var input = connection.Transport.Input;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var upload = store.BeginUpload(owner, transfer.Name, transfer.ExpectedLength);
        var lastUse = time.GetTimestamp();
        while (true)
        {
            // Not ConnectionClosed: it fires on the sender's FIN, before its last bytes are read.
            var result = await Progress.ReadAsync(input, limits.StallTimeout, time, CancellationToken.None);
            foreach (var segment in result.Buffer)
            {
                hash.AppendData(segment.Span);
                await upload.WriteAsync(segment);
            }

            input.AdvanceTo(result.Buffer.End);
            if (time.GetElapsedTime(lastUse) > TimeSpan.FromSeconds(5))
            {
                lastUse = time.GetTimestamp();
                use.Record(owner); // a long transfer is lab use all along
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                break;
            }
        }

        await upload.CommitAsync();
        use.Record(owner);
        return $"received {transfer.Name}: {upload.Length} bytes in {clock.Elapsed.TotalSeconds:F3} s, sha256 {Convert.ToHexStringLower(hash.GetHashAndReset())}";
    }

    private async Task<string> SendAsync(ConnectionContext connection, LabConnection? admitted, IPAddress owner, ArmedTransfer transfer, Stopwatch clock)
    {
        await using var file = store.OpenRead(owner, transfer.Name);
        if (admitted?.Egress is { } egress && !egress.TryReserve(file.Length, out var wait))
        {
            return $"ERROR {transfer.Name}: {file.Length} bytes would exceed the egress budget for {owner}, so nothing was sent: {egress.Why(file.Length, wait)}";
        }

        try
        {
            await BytePattern.CopyAsync(file, connection.Transport.Output, limits.StallTimeout, time, CancellationToken.None);
        }
        finally
        {
            admitted?.Egress?.ReleaseReservation();
        }

        use.Record(owner);
        return $"sent {transfer.Name}: {file.Length} bytes in {clock.Elapsed.TotalSeconds:F3} s";
    }
}
