using System.Net;
using System.Net.Sockets;

namespace NetLab.Cli.Netcat;

/// <summary>nc -u: each stdin line one datagram; listening, replies go to whoever sent the last datagram.</summary>
internal sealed class UdpNetcat(NetcatRun run)
{
    /// <summary>A line longer than this goes out in pieces of this size (a datagram holds 65,507 bytes of IPv4 payload).</summary>
    internal const int MaxDatagram = 65_000;

    private readonly NetcatOptions _options = run.Options;

    public Task RunAsync(CancellationToken ct) => _options.Listen ? ListenAsync(ct) : ConnectAsync(ct);

    private async Task ConnectAsync(CancellationToken ct)
    {
        var address = await Lab.Net.ResolveAsync(_options.Host!, ct);
        using var udp = new UdpClient(address.AddressFamily);
        udp.Connect(address, _options.Port);
        run.Verbose($"Connected to {NetcatEndpoints.Connected(_options, new IPEndPoint(address, _options.Port))} (udp).");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var receiving = _options.SendOnly ? Task.CompletedTask : ReceiveAsync(udp, remember: null, stop.Token);
        if (!_options.RecvOnly)
        {
            await foreach (var line in StdinLines(ct))
            {
                await udp.SendAsync(line, ct);
                run.Counters.Sent += line.Length;
                await run.PauseAsync(ct);
            }

            stop.CancelAfter(_options.Wait);
        }

        await receiving;
    }

    private async Task ListenAsync(CancellationToken ct)
    {
        var endpoint = await NetcatEndpoints.ListenAsync(_options, ct);
        using var udp = new UdpClient(endpoint.AddressFamily);
        NetcatEndpoints.Bind(udp.Client, _options, endpoint);
        run.Verbose($"Listening on {NetcatEndpoints.Listening(_options, udp.Client.LocalEndPoint)} (udp)");
        IPEndPoint? peer = null;
        var receiving = ReceiveAsync(udp, remembered => peer = remembered, ct);
        if (!_options.RecvOnly)
        {
            await foreach (var line in StdinLines(ct))
            {
                if (peer is not null)
                {
                    await udp.SendAsync(line, peer, ct);
                    run.Counters.Sent += line.Length;
                    await run.PauseAsync(ct);
                }
            }
        }

        await receiving;
    }

    /// <summary>stdin as datagrams, each line with its own LF (CRLF with -C).</summary>
    private IAsyncEnumerable<byte[]> StdinLines(CancellationToken ct) =>
        DatagramLines.ReadAsync(run.IO.OpenStdin(), _options.Crlf ? new CrlfConverter() : null, ct);

    private async Task ReceiveAsync(UdpClient udp, Action<IPEndPoint>? remember, CancellationToken ct)
    {
        var stdout = run.IO.OpenStdout();
        try
        {
            while (true)
            {
                var datagram = await udp.ReceiveAsync(ct);
                remember?.Invoke(datagram.RemoteEndPoint);
                await stdout.WriteAsync(datagram.Buffer, ct);
                await stdout.FlushAsync(ct);
                run.Counters.Received += datagram.Buffer.Length;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
            // ICMP port unreachable for an earlier datagram: nobody listens there.
        }
    }
}

/// <summary>stdin split into lines, each with its LF (CRLF with -C): nc -u's datagrams.</summary>
internal static class DatagramLines
{
    public static async IAsyncEnumerable<byte[]> ReadAsync(Stream stdin, CrlfConverter? crlf, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var buffer = new byte[NetcatRun.BufferSize];
        var converted = new byte[CrlfConverter.MaxOutput(buffer.Length)];
        var pending = new List<byte>();
        int n;
        while ((n = await stdin.ReadAsync(buffer, ct)) > 0)
        {
            var chunk = crlf is not null ? crlf.Convert(buffer.AsSpan(0, n), converted) : buffer.AsMemory(0, n);
            for (var i = 0; i < chunk.Length; i++)
            {
                var b = chunk.Span[i];
                pending.Add(b);
                if (b == '\n' || pending.Count >= UdpNetcat.MaxDatagram)
                {
                    yield return pending.ToArray();
                    pending.Clear();
                }
            }
        }

        if (pending.Count > 0)
        {
            yield return pending.ToArray();
        }
    }
}
