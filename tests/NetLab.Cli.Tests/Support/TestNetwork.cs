using NetLab.Cli.Wan;
using NetLab.Testing;

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

    private readonly NetworkNamespace _ns;
    private readonly Tool? _listener;

    public TestNetwork()
    {
        var name = $"nlt{Environment.ProcessId % 10000}{Random.Shared.Next(100, 999)}";
        var third = Random.Shared.Next(0, 255);
        HostAddress = $"198.18.{third}.1";
        PeerAddress = $"198.18.{third}.2";
        try
        {
            _ns = NetworkNamespace.Create(name);
        }
        catch (Exception e)
        {
            throw Needs(e);
        }

        try
        {
            _ns.AddVeth($"{name}n", [$"{PeerAddress}/30"], $"{name}h", [$"{HostAddress}/30"]);
            // Nothing may go out to a real network if the set-up went wrong: the way to the peer must be our veth.
            NetworkNamespace.RequireRouteThrough(PeerAddress, $"{name}h");
            _ns.Run(["nft", "add", "table", "inet", "netlab"]);
            _ns.Run(["nft", "add", "chain", "inet", "netlab", "input", "{ type filter hook input priority 0 ; }"]);
            _ns.Run(["nft", "add", "rule", "inet", "netlab", "input", "tcp", "dport", $"{FilteredPort}", "drop"]);
            _listener = Tool.Start("ip", _ns.ExecArguments("ncat", "-lk", PeerAddress, $"{OpenPort}"));
            WaitForListener();
        }
        catch (Exception e)
        {
            Dispose();
            throw Needs(e);
        }
    }

    /// <summary>This side of the veth pair (an address of this machine, not loopback).</summary>
    public string HostAddress { get; }

    /// <summary>The test host inside the namespace.</summary>
    public string PeerAddress { get; }

    public void Dispose()
    {
        _listener?.DisposeAsync().AsTask().Wait(); // killed, with what it started
        _ns.Dispose();
    }

    private static InvalidOperationException Needs(Exception e) =>
        new($"{e.Message} (these tests need root, iproute2 and nftables: ./test.sh installs them)", e);

    private void WaitForListener()
    {
        for (var i = 0; i < 100; i++)
        {
            if (_ns.TryRun("ss", "-ltn", $"sport = :{OpenPort}").Output.Contains($":{OpenPort}", StringComparison.Ordinal))
            {
                return;
            }

            Thread.Sleep(50);
        }

        throw new InvalidOperationException("ncat never listened inside the test namespace");
    }
}
