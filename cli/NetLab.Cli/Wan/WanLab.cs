using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using NetLab.Agent;

namespace NetLab.Cli.Wan;

/// <summary>
/// The cloud lab rehearsed on this machine: a netlab-agent in a network namespace of its own (the "lab host"),
/// reached from here over an emulated internet path (<see cref="PathEmulator"/> between two TUN devices), behind a
/// firewall that admits exactly what the stack's security group does (<see cref="LabPorts.Exposed"/>), with a
/// stand-in ssh on 22. Addresses are in 198.18.0.0/15 (RFC 2544); the only route added on this machine is one
/// address through the TUN device, checked with <c>ip route get</c> before any traffic. Everything is removed on
/// dispose (Ctrl-C included); the TUN devices vanish with the process even if it is killed, and a namespace a
/// killed run left behind is removed by the next run.
/// </summary>
internal sealed partial class WanLab : IAsyncDisposable
{
    private const string Prefix = "nlwan";
    private readonly string _namespaceName;
    private readonly string _dataDir;
    private readonly List<IDisposable> _owned = [];
    private NetworkNamespace? _namespace;
    private Process? _agent;

    private WanLab(string ns, string dataDir, string hostAddress, string nearAddress, WanPath path)
    {
        _namespaceName = ns;
        _dataDir = dataDir;
        HostAddress = hostAddress;
        NearAddress = nearAddress;
        Path = path;
    }

    /// <summary>The lab host's address, as this machine reaches it through the path.</summary>
    public string HostAddress { get; }

    /// <summary>This machine's address on the path (what the agent sees).</summary>
    public string NearAddress { get; }

    public WanPath Path { get; }

    /// <summary>The agent's port in the lab host (the real one: the namespace has it to itself).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "An agent's port, read as lab.Port like LabAgent's: this one just happens to be fixed.")]
    public int Port => LabPorts.Agent;

    /// <summary>The agent's certificate fingerprint, as its ready line printed it.</summary>
    public string Fingerprint { get; private set; } = "";

    public PathEmulator? Emulator { get; private set; }

    /// <summary>The lab host's network namespace (its firewall is <see cref="FirewallRules"/>); null until built.</summary>
    public NetworkNamespace? Namespace => _namespace;

    /// <summary>
    /// The path's record of every TCP and UDP packet between this machine and the lab host, both ways, with each
    /// emulated loss and tail drop commented (<see cref="PathCapture"/>); null until the path is built. The exercise
    /// runner takes each exercise's packets from it with <see cref="PathCapture.TakeSince"/>.
    /// </summary>
    public PathCapture? Capture => Emulator?.Capture;

    /// <summary>The firewall rules of the lab host, from the lab's ports (the security group's, exactly).</summary>
    public static string FirewallRules()
    {
        var tcp = string.Join(", ", LabPorts.Exposed.Where(p => p.Protocol == "tcp").Select(p => p.Number));
        var udp = string.Join(", ", LabPorts.Exposed.Where(p => p.Protocol == "udp").Select(p => p.Number));
        return $$"""
            table inet netlab_security_group {
              chain input {
                type filter hook input priority 0; policy drop;
                iif lo accept
                ct state established,related accept
                tcp dport { {{tcp}} } accept
                udp dport { {{udp}} } accept
              }
            }

            """;
    }

    /// <summary>Builds the lab host, the path and the firewall, and starts the agent; throws with what failed.</summary>
    public static async Task<WanLab> StartAsync(WanPath path, CancellationToken ct)
    {
        RemoveLeftovers();
        var third = Random.Shared.Next(0, 256);
        var lab = new WanLab($"{Prefix}{Environment.ProcessId}", Directory.CreateTempSubdirectory("netlab-wan-").FullName, $"198.19.{third}.1", $"198.19.{third}.2", path);
        try
        {
            await lab.BuildAsync(ct);
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>The namespaces and TUN devices of this kind on the machine (a test checks none are left).</summary>
    public static IReadOnlyList<string> Leftovers()
    {
        var found = new List<string>();
        found.AddRange(NetworkNamespace.List().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)));
        found.AddRange(NetworkNamespace.MachineLinks().Where(n => n.StartsWith("nlw", StringComparison.Ordinal)));
        return found;
    }

    public async ValueTask DisposeAsync()
    {
        if (_agent is { HasExited: false } agent)
        {
            agent.Kill(entireProcessTree: true);
            await agent.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
        }

        _agent?.Dispose();
        Emulator?.Dispose();
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            owned.Dispose();
        }

        _namespace?.Dispose(); // its firewall and its end of the path go with it
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task BuildAsync(CancellationToken ct)
    {
        var lab = _namespace = NetworkNamespace.Create(_namespaceName);

        // One TUN device on each side: this machine's, and the lab host's (created from inside its namespace).
        var near = Own(Tun.Create("nlw%d"));
        var far = Own(lab.Enter(() => Tun.Create("nlw%d")));
        lab.Ip("addr", "add", HostAddress, "peer", NearAddress, "dev", far.Name);
        lab.Ip("link", "set", far.Name, "up");
        LinuxHost.Run("ip", ["addr", "add", NearAddress, "peer", HostAddress, "dev", near.Name]);
        LinuxHost.Run("ip", ["link", "set", near.Name, "up"]);
        NetworkNamespace.RequireRouteThrough(HostAddress, near.Name);

        lab.Run(["nft", "-f", "-"], FirewallRules());
        Emulator = new PathEmulator(near, far, Path, new PathCapture(System.Net.IPAddress.Parse(NearAddress), System.Net.IPAddress.Parse(HostAddress)));
        Emulator.Start();
        await StartAgentAsync(ct);
    }

    private async Task StartAgentAsync(CancellationToken ct)
    {
        var info = new ProcessStartInfo(LinuxHost.Which("ip") ?? "ip") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var arg in _namespace!.ExecArguments([.. WanHostCommand.Invocation(), "--data-dir", _dataDir]))
        {
            info.ArgumentList.Add(arg);
        }

        _agent = Process.Start(info)!;
        var errors = new StringBuilder();
        _agent.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        _agent.BeginErrorReadLine();

        using var ready = CancellationTokenSource.CreateLinkedTokenSource(ct);
        ready.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            var line = await _agent.StandardOutput.ReadLineAsync(ready.Token);
            if (line is null)
            {
                lock (errors)
                {
                    throw new InvalidOperationException($"the lab host's agent did not start: {errors.ToString().Trim()}");
                }
            }

            if (ReadyLine().Match(line) is { Success: true } match)
            {
                Fingerprint = match.Groups[1].Value;
                return;
            }
        }
    }

    private T Own<T>(T disposable)
        where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    /// <summary>Namespaces of runs that were killed (their process is gone): removed, with everything in them.</summary>
    private static void RemoveLeftovers()
    {
        foreach (var name in Leftovers().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            if (int.TryParse(name[Prefix.Length..], out var pid) && pid != Environment.ProcessId && !LinuxHost.ProcessAlive(pid))
            {
                NetworkNamespace.Delete(name);
            }
        }
    }

    [GeneratedRegex(@"^READY ([0-9A-F:]+)$")]
    private static partial Regex ReadyLine();
}
