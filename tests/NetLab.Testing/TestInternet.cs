using System.Net;
using System.Net.Sockets;
using NetLab.Cli.Wan;

namespace NetLab.Testing;

/// <summary>
/// A lab host on a stand-in internet: two network namespaces this test creates, joined by a veth pair. The
/// host's namespace runs the agent (its loopback is the host's own, for /health and idle-check); the internet's
/// holds the clients, on as many addresses as a test needs. Every address is in 198.18.0.0/15 (RFC 2544's
/// benchmarking range), and neither namespace has a route to anything else: before any traffic,
/// <c>ip route get</c> must show the client's way to the host going through the veth, or the test refuses to
/// run (<see cref="NetworkNamespace.RequireRouteThrough"/>). Everything is removed on dispose, processes first.
/// </summary>
public sealed class TestInternet : IDisposable
{
    /// <summary>The agent's port inside the host's namespace, which has it to itself.</summary>
    public const int Port = 11211;

    private readonly string _id = $"{Environment.ProcessId % 1000}{Random.Shared.Next(100, 999)}";
    private readonly List<Tool> _processes = [];
    private readonly NetworkNamespace? _host;
    private readonly NetworkNamespace? _client;

    public TestInternet(int clientAddresses = 60)
    {
        var prefix = $"198.{18 + Random.Shared.Next(2)}.{Random.Shared.Next(256)}";
        HostNs = $"nlh{_id}";
        ClientNs = $"nlc{_id}";
        HostAddress = $"{prefix}.1";
        ClientAddresses = Enumerable.Range(10, clientAddresses).Select(i => $"{prefix}.{i}").ToList();
        try
        {
            _host = NetworkNamespace.Create(HostNs);
            _client = NetworkNamespace.Create(ClientNs);
            _host.AddVeth($"{HostNs}v", [$"{HostAddress}/24"], $"{ClientNs}v", ClientAddresses.Select(a => $"{a}/24"), _client);
            RefuseUnlessContained(_host, _client);
        }
        catch (Exception e)
        {
            Dispose();
            throw new InvalidOperationException($"{e.Message} (these tests need root, iproute2 and nftables: ./test.sh installs them)", e);
        }
    }

    /// <summary>The lab host's namespace (the agent runs here).</summary>
    public string HostNs { get; }

    /// <summary>The internet's namespace (the clients run here).</summary>
    public string ClientNs { get; }

    /// <summary>The arguments of <c>ip</c> that run <paramref name="command"/> in the internet's namespace.</summary>
    public string[] InClient(params string[] command) => _client!.ExecArguments(command);

    /// <summary>The lab host's public address, as the clients reach it.</summary>
    public string HostAddress { get; }

    /// <summary>Client addresses, one per stand-in machine (or NAT router).</summary>
    public IReadOnlyList<string> ClientAddresses { get; }

    /// <summary>Starts netlab-agent in the host's namespace on every address, port 11211, with extra options.</summary>
    public async Task<Tool> StartAgentAsync(string dataDir, params string[] options)
    {
        var agent = Track(Tool.Start("ip", _host!.ExecArguments(["dotnet", AgentProcess.Dll, "--bind", "0.0.0.0", "--port", $"{Port}", "--data-dir", dataDir, .. options])));
        await agent.WaitForOutputAsync(AgentProcess.ReadyBlockEnd, timeoutSeconds: 30);
        return agent;
    }

    /// <summary>Starts a tool in the internet's namespace (bind it to a client address with its own option: nc -s, curl --interface).</summary>
    public Tool StartClient(string tool, params string[] args) => Track(Tool.Start("ip", InClient([tool, .. args])));

    /// <summary>Runs a tool in the internet's namespace to completion.</summary>
    public Task<Tool> RunClientAsync(string tool, string[] args, byte[]? stdin = null, int timeoutSeconds = 20) =>
        Tool.RunAsync("ip", InClient([tool, .. args]), stdin, timeoutSeconds);

    /// <summary>Runs a shell command in the internet's namespace (pipelines, redirections).</summary>
    public Task<Tool> ShellClientAsync(string command, int timeoutSeconds = 20) =>
        Tool.RunAsync("ip", InClient("bash", "-c", command), timeoutSeconds: timeoutSeconds);

    /// <summary>Starts a tool on the lab host itself (a terminal on the host, as after ssh), with extra environment variables.</summary>
    public Tool StartOnHost(IReadOnlyDictionary<string, string> environment, string tool, params string[] args) =>
        Track(Tool.Start("ip", _host!.ExecArguments(["env", .. environment.Select(e => $"{e.Key}={e.Value}"), tool, .. args])));

    /// <summary>Runs a tool on the lab host itself (its loopback: idle-check, curl /health).</summary>
    public Task<Tool> RunOnHostAsync(string tool, string[] args, int timeoutSeconds = 30) =>
        Tool.RunAsync("ip", _host!.ExecArguments([tool, .. args]), timeoutSeconds: timeoutSeconds);

    /// <summary>Sockets in the internet's namespace, bound to a client address (the test's own clients: floods, thousands of connections).</summary>
    public IReadOnlyList<Socket> Sockets(string source, int count, SocketType type = SocketType.Stream)
    {
        var address = IPAddress.Parse(source);
        // The namespace a socket lives in is the one its creating thread was in: Enter's thread creates them there.
        return _client!.Enter(() => Enumerable.Range(0, count).Select(_ =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, type, type == SocketType.Stream ? ProtocolType.Tcp : ProtocolType.Udp);
            socket.Bind(new IPEndPoint(address, 0));
            if (type == SocketType.Stream)
            {
                socket.NoDelay = true;
            }

            return socket;
        }).ToList());
    }

    /// <summary>A TCP connection from <paramref name="source"/> to the agent.</summary>
    public async Task<Socket> ConnectAsync(string source, CancellationToken ct = default)
    {
        var socket = Sockets(source, 1)[0];
        try
        {
            await socket.ConnectAsync(IPAddress.Parse(HostAddress), Port, ct);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        try
        {
            foreach (var process in _processes)
            {
                try
                {
                    process.Kill();
                    process.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(10));
                }
                catch (Exception e) when (e is InvalidOperationException or AggregateException)
                {
                    // It had exited, or the test disposed it.
                }
            }
        }
        finally
        {
            // Whatever else failed, the namespaces go, with what still runs in them (and each takes its veth end, and so the pair, with it).
            _client?.Dispose();
            _host?.Dispose();
        }
    }

    /// <summary>Whether anything of this test bed is left on the machine (namespaces, links).</summary>
    public bool LeftBehind() =>
        NetworkNamespace.Exists(HostNs) || NetworkNamespace.Exists(ClientNs) || NetworkNamespace.MachineLinks().Any(l => l.Contains(_id, StringComparison.Ordinal));

    private Tool Track(Tool tool)
    {
        lock (_processes)
        {
            _processes.Add(tool);
        }

        return tool;
    }

    /// <summary>Refuses to run unless the clients' way to the host, and back, is the veth: no packet may leave for a real network.</summary>
    private void RefuseUnlessContained(NetworkNamespace host, NetworkNamespace client)
    {
        NetworkNamespace.RequireRouteThrough(HostAddress, $"{ClientNs}v", from: client);
        NetworkNamespace.RequireRouteThrough(ClientAddresses[0], $"{HostNs}v", from: host);
        var defaults = client.Ip("route", "show", "default");
        if (defaults.Trim().Length > 0)
        {
            throw new InvalidOperationException($"refusing to send: {ClientNs} has a default route ({defaults.Trim()})");
        }
    }
}
