using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using NetLab.Agent.Hosting;
using NetLab.Agent.Storage;

namespace NetLab.Agent.Connections;

/// <summary>
/// Serves a connection that a <c>/recv</c> or <c>/send</c> armed: raw bytes into or out of a stored file,
/// exactly what <c>ncat -l 11211 &gt; outputfile</c> and <c>ncat -l 11211 &lt; file</c> do.
/// </summary>
public sealed class ArmedTransferMiddleware(ConnectionDelegate next, TransferArming arming, FileStore store, ILogger logger)
{
    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var peer = connection.Peer();
        var transfer = arming.Take(peer.Address);
        if (transfer is null)
        {
            await next(connection);
            return;
        }

        var clock = Stopwatch.StartNew();
        string outcome;
        try
        {
            outcome = transfer.Direction == TransferDirection.Receive
                ? await ReceiveAsync(connection, transfer, clock)
                : await SendAsync(connection, transfer, clock);
        }
        catch (StorageException e)
        {
            outcome = $"ERROR {transfer.Name}: {e.Message}";
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or OperationCanceledException)
        {
            outcome = $"ERROR {transfer.Name}: the connection from {peer} broke off ({e.Message}); nothing was stored";
        }

        Log.TransferDone(logger, peer, outcome);
        try
        {
            await transfer.Notify(outcome);
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or ObjectDisposedException or InvalidOperationException)
        {
            // The session that armed the transfer has gone; the log line above is the record.
        }
    }

    private async Task<string> ReceiveAsync(ConnectionContext connection, ArmedTransfer transfer, Stopwatch clock)
    {
        var input = connection.Transport.Input;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var upload = store.BeginUpload(transfer.Name, transfer.ExpectedLength);
        while (true)
        {
            // Not ConnectionClosed: it fires on the sender's FIN, before its last bytes are read.
            var result = await input.ReadAsync();
            foreach (var segment in result.Buffer)
            {
                hash.AppendData(segment.Span);
                await upload.WriteAsync(segment);
            }

            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                break;
            }
        }

        await upload.CommitAsync();
        return $"received {transfer.Name}: {upload.Length} bytes in {clock.Elapsed.TotalSeconds:F3} s, sha256 {Convert.ToHexStringLower(hash.GetHashAndReset())}";
    }

    private async Task<string> SendAsync(ConnectionContext connection, ArmedTransfer transfer, Stopwatch clock)
    {
        await using var file = store.OpenRead(transfer.Name);
        await file.CopyToAsync(connection.Transport.Output.AsStream(leaveOpen: true));
        await connection.Transport.Output.FlushAsync();
        return $"sent {transfer.Name}: {file.Length} bytes in {clock.Elapsed.TotalSeconds:F3} s";
    }
}
