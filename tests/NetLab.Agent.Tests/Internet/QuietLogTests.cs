using System.Net.Sockets;
using NetLab.Testing;

namespace NetLab.Agent.Tests.Internet;

/// <summary>Under attack the journal grows by a bounded number of lines per abusive client, and never by stack traces.</summary>
[Trait("Loop", "Slow")] // needs root and network namespaces (TestInternet)
public sealed class QuietLogTests : IDisposable
{
    private readonly ScratchDir _scratch = new();
    private readonly string _dataDir = Directory.CreateTempSubdirectory("netlab-logs-").FullName;

    public void Dispose()
    {
        _scratch.Dispose();
        Directory.Delete(_dataDir, recursive: true);
    }

    [Fact]
    public async Task Each_abusive_pattern_adds_at_most_a_few_log_lines_and_no_stack_trace()
    {
        using var net = new TestInternet(clientAddresses: 4);
        var agent = await net.StartAgentAsync(_dataDir, "--max-file-size", "64K", "--max-storage-per-address", "128K");
        var abuser = net.ClientAddresses[0];
        var (big, _) = _scratch.RandomFile("big", 200_000);

        // 200 refused chunked uploads (413).
        var refused = await net.ShellClientAsync(
            $"for i in $(seq 200); do curl -s -o /dev/null -w '%{{http_code}}\\n' --interface {abuser} -H 'Transfer-Encoding: chunked' -T '{big}' http://{net.HostAddress}:{TestInternet.Port}/files/x$i; done | sort | uniq -c",
            timeoutSeconds: 120);
        Assert.Contains("200 413", refused.Stdout);
        await AssertQuietAsync(agent, "200 refused chunked uploads", max: 2);

        // 200 connections reset in the middle of the sniff.
        for (var i = 0; i < 200; i++)
        {
            using var socket = await net.ConnectAsync(abuser);
            await socket.SendAsync("G"u8.ToArray());
            socket.LingerState = new LingerOption(true, 0); // close with RST
        }

        await AssertQuietAsync(agent, "200 resets during the sniff", max: 2);

        // 50 TLS 1.2 renegotiation attempts (R in openssl s_client), from the host itself: openssl cannot pick a source address.
        var renegotiate = await net.RunOnHostAsync("bash", ["-c",
            $"for i in $(seq 50); do (echo R; sleep 0.2) | timeout 5 openssl s_client -tls1_2 -connect 127.0.0.1:{TestInternet.Port} > /dev/null 2>&1; done; echo done"], timeoutSeconds: 120);
        Assert.Contains("done", renegotiate.Stdout);
        await AssertQuietAsync(agent, "50 renegotiation attempts", max: 2);

        // 200 handshakes abandoned half way and 200 garbage TLS records.
        for (var i = 0; i < 200; i++)
        {
            using var socket = await net.ConnectAsync(abuser);
            await socket.SendAsync(i % 2 == 0 ? new byte[] { 0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5 } : new byte[] { 0x16, 0x03, 0x03, 0x40, 0x00, 9 });
            socket.Shutdown(SocketShutdown.Send);
        }

        await AssertQuietAsync(agent, "200 broken TLS handshakes", max: 2);
        Assert.False(agent.HasExited);
    }

    private int _seen;

    private async Task AssertQuietAsync(Tool agent, string pattern, int max)
    {
        await Task.Delay(TimeSpan.FromSeconds(1)); // what the agent logs about it has been written
        var lines = (agent.Stdout + agent.Stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var fresh = lines.Skip(_seen).ToList();
        _seen = lines.Length;

        // The console logger writes an entry as "info: Category[id]" and its message on the next line.
        var entries = fresh.Count(l => l.Length > 5 && l[4] == ':' && l[..4] is "dbug" or "info" or "warn" or "fail" or "crit");
        Assert.True(entries <= max, $"{pattern} added {entries} log entries:\n{string.Join('\n', fresh.Take(40))}");
        Assert.DoesNotContain(fresh, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }
}
