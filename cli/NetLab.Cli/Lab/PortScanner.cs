using System.Diagnostics;
using System.Net.Sockets;
using NetLab.Agent;

namespace NetLab.Cli.Lab;

/// <summary>What a TCP connect attempt says about a port.</summary>
internal enum PortState
{
    /// <summary>The handshake completed: something listens.</summary>
    Open,

    /// <summary>Refused (RST): the host answered, nothing listens there.</summary>
    Closed,

    /// <summary>No answer within the timeout, or an ICMP "prohibited": a firewall drops it.</summary>
    Filtered,
}

internal sealed record PortResult(int Port, PortState State, string Service, double Milliseconds);

/// <summary>A connect scan, like <c>nc -zv host ports</c>: one TCP handshake attempt per port, in parallel.</summary>
internal static class PortScanner
{
    public static readonly int[] DefaultPorts = [22, 25, 80, 110, 443, LabPorts.Agent];

    private static readonly Dictionary<int, string> Services = new()
    {
        [20] = "ftp-data", [21] = "ftp", [22] = "ssh", [23] = "telnet", [25] = "smtp", [53] = "domain", [80] = "http",
        [110] = "pop3", [143] = "imap", [443] = "https", [465] = "smtps", [587] = "submission", [993] = "imaps",
        [995] = "pop3s", [3306] = "mysql", [5432] = "postgresql", [6379] = "redis", [8080] = "http-alt",
        [LabPorts.Agent] = "netlab-agent (memcache's port)",
    };

    public static string ServiceName(int port) => Services.GetValueOrDefault(port, "unknown");

    public static async Task<IReadOnlyList<PortResult>> ScanAsync(string host, IEnumerable<int> ports, TimeSpan timeout, CancellationToken ct)
    {
        var scans = ports.Distinct().Select(port => ProbeAsync(host, port, timeout, ct)).ToArray();
        return await Task.WhenAll(scans);
    }

    public static async Task<PortResult> ProbeAsync(string host, int port, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        attempt.CancelAfter(timeout);
        PortState state;
        try
        {
            using var socket = await Net.ConnectAsync(host, port, attempt.Token);
            state = PortState.Open;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            state = PortState.Closed;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            state = PortState.Filtered;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.AccessDenied or SocketError.TimedOut)
        {
            state = PortState.Filtered;
        }

        return new PortResult(port, state, ServiceName(port), clock.Elapsed.TotalMilliseconds);
    }
}
