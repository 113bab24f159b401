using System.Diagnostics;

namespace NetLab.Cli.Tests.Support;

/// <summary>
/// A test host in a network namespace this test creates, reached over a veth pair with 198.18.0.0/15
/// addresses (RFC 2544 benchmarking space): a port that listens, one that refuses, and one an nftables
/// rule drops, which is what "filtered" means on the internet (a bound-but-silent socket would still
/// complete the handshake in the kernel). Everything is removed on dispose.
/// </summary>
public sealed class TestNetwork : IDisposable
{
    public const int OpenPort = 8080;
    public const int ClosedPort = 8081;
    public const int FilteredPort = 9;

    private readonly string _ns = $"nlt{Environment.ProcessId % 10000}{Random.Shared.Next(100, 999)}";
    private readonly Process? _listener;

    public TestNetwork()
    {
        var third = Random.Shared.Next(0, 255);
        HostAddress = $"198.18.{third}.1";
        PeerAddress = $"198.18.{third}.2";
        Run("ip", "netns", "add", _ns);
        Run("ip", "link", "add", $"{_ns}h", "type", "veth", "peer", "name", $"{_ns}n");
        Run("ip", "link", "set", $"{_ns}n", "netns", _ns);
        Run("ip", "addr", "add", $"{HostAddress}/30", "dev", $"{_ns}h");
        Run("ip", "link", "set", $"{_ns}h", "up");
        InNamespace("ip", "addr", "add", $"{PeerAddress}/30", "dev", $"{_ns}n");
        InNamespace("ip", "link", "set", $"{_ns}n", "up");
        InNamespace("ip", "link", "set", "lo", "up");
        // Nothing may go out to a real network if the set-up went wrong: the way to the peer must be our veth.
        var route = TryRun("ip", "route", "get", PeerAddress).Output;
        if (!route.Contains($"dev {_ns}h", StringComparison.Ordinal))
        {
            Dispose();
            throw new InvalidOperationException($"refusing to run: the way to {PeerAddress} is not the test's veth: {route}");
        }

        InNamespace("nft", "add", "table", "inet", "netlab");
        InNamespace("nft", "add", "chain", "inet", "netlab", "input", "{ type filter hook input priority 0 ; }");
        InNamespace("nft", "add", "rule", "inet", "netlab", "input", "tcp", "dport", $"{FilteredPort}", "drop");
        _listener = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", _ns, "ncat", "-lk", PeerAddress, $"{OpenPort}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        WaitForListener();
    }

    /// <summary>This side of the veth pair (an address of this machine, not loopback).</summary>
    public string HostAddress { get; }

    /// <summary>The test host inside the namespace.</summary>
    public string PeerAddress { get; }

    public void Dispose()
    {
        if (_listener is not null)
        {
            _listener.Kill(entireProcessTree: true);
            _listener.WaitForExit();
        }

        Run("ip", "netns", "del", _ns);
        TryRun("ip", "link", "del", $"{_ns}h");
    }

    private void WaitForListener()
    {
        for (var i = 0; i < 100; i++)
        {
            if (TryRun("ip", "netns", "exec", _ns, "ss", "-ltn", $"sport = :{OpenPort}").Output.Contains($":{OpenPort}", StringComparison.Ordinal))
            {
                return;
            }

            Thread.Sleep(50);
        }

        throw new InvalidOperationException("ncat never listened inside the test namespace");
    }

    private void InNamespace(params string[] args) => Run("ip", ["netns", "exec", _ns, .. args]);

    private static void Run(string file, params string[] args)
    {
        var (code, output) = TryRun(file, args);
        if (code != 0)
        {
            throw new InvalidOperationException(
                $"{file} {string.Join(' ', args)} failed ({code}): {output.Trim()}. These tests need root, iproute2 and nftables (./test.sh installs them).");
        }
    }

    private static (int Code, string Output) TryRun(string file, params string[] args) => NetLab.Testing.Tool.Run(file, args);
}
