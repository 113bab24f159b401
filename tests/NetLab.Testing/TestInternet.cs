using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace NetLab.Testing;

/// <summary>
/// A lab host on a stand-in internet: two network namespaces this test creates, joined by a veth pair. The
/// host's namespace runs the agent (its loopback is the host's own, for /health and idle-check); the internet's
/// holds the clients, on as many addresses as a test needs. Every address is in 198.18.0.0/15 (RFC 2544's
/// benchmarking range), and neither namespace has a route to anything else: before any traffic,
/// <c>ip route get</c> must show the client's way to the host going through the veth, or the test refuses to
/// run. Everything is removed on dispose, processes first.
/// </summary>
public sealed class TestInternet : IDisposable
{
    /// <summary>The agent's port inside the host's namespace, which has it to itself.</summary>
    public const int Port = 11211;

    private const int CloneNewNet = 0x40000000;
    private readonly string _id = $"{Environment.ProcessId % 1000}{Random.Shared.Next(100, 999)}";
    private readonly List<Tool> _processes = [];

    public TestInternet(int clientAddresses = 60)
    {
        var prefix = $"198.{18 + Random.Shared.Next(2)}.{Random.Shared.Next(256)}";
        HostNs = $"nlh{_id}";
        ClientNs = $"nlc{_id}";
        HostAddress = $"{prefix}.1";
        ClientAddresses = Enumerable.Range(10, clientAddresses).Select(i => $"{prefix}.{i}").ToList();
        try
        {
            Run("ip", "netns", "add", HostNs);
            Run("ip", "netns", "add", ClientNs);
            Run("ip", "link", "add", $"{HostNs}v", "netns", HostNs, "type", "veth", "peer", "name", $"{ClientNs}v", "netns", ClientNs);
            Run("ip", "-n", HostNs, "addr", "add", $"{HostAddress}/24", "dev", $"{HostNs}v");
            foreach (var address in ClientAddresses)
            {
                Run("ip", "-n", ClientNs, "addr", "add", $"{address}/24", "dev", $"{ClientNs}v");
            }

            foreach (var (ns, link) in new[] { (HostNs, $"{HostNs}v"), (ClientNs, $"{ClientNs}v") })
            {
                Run("ip", "-n", ns, "link", "set", "lo", "up");
                Run("ip", "-n", ns, "link", "set", link, "up");
            }

            RefuseUnlessContained();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The lab host's namespace (the agent runs here).</summary>
    public string HostNs { get; }

    /// <summary>The internet's namespace (the clients run here).</summary>
    public string ClientNs { get; }

    /// <summary>The lab host's public address, as the clients reach it.</summary>
    public string HostAddress { get; }

    /// <summary>Client addresses, one per stand-in machine (or NAT router).</summary>
    public IReadOnlyList<string> ClientAddresses { get; }

    /// <summary>Starts netlab-agent in the host's namespace on every address, port 11211, with extra options.</summary>
    public async Task<Tool> StartAgentAsync(string dataDir, params string[] options)
    {
        var agent = Track(Tool.Start("ip", ["netns", "exec", HostNs, "dotnet", AgentProcess.Dll, "--bind", "0.0.0.0", "--port", $"{Port}", "--data-dir", dataDir, .. options]));
        await agent.WaitForOutputAsync(AgentProcess.ReadyBlockEnd, timeoutSeconds: 30);
        return agent;
    }

    /// <summary>Starts a tool in the internet's namespace (bind it to a client address with its own option: nc -s, curl --interface).</summary>
    public Tool StartClient(string tool, params string[] args) => Track(Tool.Start("ip", ["netns", "exec", ClientNs, tool, .. args]));

    /// <summary>Runs a tool in the internet's namespace to completion.</summary>
    public Task<Tool> RunClientAsync(string tool, string[] args, byte[]? stdin = null, int timeoutSeconds = 20) =>
        Tool.RunAsync("ip", ["netns", "exec", ClientNs, tool, .. args], stdin, timeoutSeconds);

    /// <summary>Runs a shell command in the internet's namespace (pipelines, redirections).</summary>
    public Task<Tool> ShellClientAsync(string command, int timeoutSeconds = 20) =>
        Tool.RunAsync("ip", ["netns", "exec", ClientNs, "bash", "-c", command], timeoutSeconds: timeoutSeconds);

    /// <summary>Starts a tool on the lab host itself (a terminal on the host, as after ssh), with extra environment variables.</summary>
    public Tool StartOnHost(IReadOnlyDictionary<string, string> environment, string tool, params string[] args) =>
        Track(Tool.Start("ip", ["netns", "exec", HostNs, "env", .. environment.Select(e => $"{e.Key}={e.Value}"), tool, .. args]));

    /// <summary>Runs a tool on the lab host itself (its loopback: idle-check, curl /health).</summary>
    public Task<Tool> RunOnHostAsync(string tool, string[] args, int timeoutSeconds = 30) =>
        Tool.RunAsync("ip", ["netns", "exec", HostNs, tool, .. args], timeoutSeconds: timeoutSeconds);

    /// <summary>Sockets in the internet's namespace, bound to a client address (the test's own clients: floods, thousands of connections).</summary>
    public IReadOnlyList<Socket> Sockets(string source, int count, SocketType type = SocketType.Stream)
    {
        var address = IPAddress.Parse(source);
        return InClientNamespace(() => Enumerable.Range(0, count).Select(_ =>
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
            // Whatever else failed, the namespaces go (and each takes its veth end, and so the pair, with it).
            foreach (var ns in new[] { ClientNs, HostNs })
            {
                foreach (var pid in TryRun("ip", "netns", "pids", ns).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    TryRun("kill", "-9", pid.Trim());
                }

                TryRun("ip", "netns", "del", ns);
            }
        }
    }

    /// <summary>Whether anything of this test bed is left on the machine (namespaces, links).</summary>
    public bool LeftBehind()
    {
        var (_, namespaces) = TryRun("ip", "netns", "list");
        var (_, links) = TryRun("ip", "-o", "link");
        return namespaces.Contains(HostNs) || namespaces.Contains(ClientNs) || links.Contains(_id);
    }

    private Tool Track(Tool tool)
    {
        lock (_processes)
        {
            _processes.Add(tool);
        }

        return tool;
    }

    /// <summary>Refuses to run unless the clients' way to the host, and back, is the veth: no packet may leave for a real network.</summary>
    private void RefuseUnlessContained()
    {
        foreach (var (ns, to, link) in new[] { (ClientNs, HostAddress, $"{ClientNs}v"), (HostNs, ClientAddresses[0], $"{HostNs}v") })
        {
            var (code, route) = TryRun("ip", "-n", ns, "route", "get", to);
            if (code != 0 || !route.Contains($"dev {link}"))
            {
                throw new InvalidOperationException($"refusing to send: in {ns}, 'ip route get {to}' says '{route.Trim()}', not 'dev {link}'");
            }
        }

        var (_, defaults) = TryRun("ip", "-n", ClientNs, "route", "show", "default");
        if (defaults.Trim().Length > 0)
        {
            throw new InvalidOperationException($"refusing to send: {ClientNs} has a default route ({defaults.Trim()})");
        }
    }

    private T InClientNamespace<T>(Func<T> create)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                // The namespace a socket lives in is the one its creating thread was in: this thread enters the
                // internet's namespace, creates the sockets, and ends.
                using var handle = File.OpenHandle($"/run/netns/{ClientNs}");
                if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new Win32Exception(Marshal.GetLastPInvokeError(), $"setns into {ClientNs}");
                }

                result = create();
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        return error is null ? result : throw new InvalidOperationException($"creating sockets in {ClientNs} failed: {error.Message}", error);
    }

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static extern int SetNs(int fd, int nstype);

    private static void Run(string file, params string[] args)
    {
        var (code, output) = TryRun(file, args);
        if (code != 0)
        {
            throw new InvalidOperationException(
                $"{file} {string.Join(' ', args)} failed ({code}): {output.Trim()}. These tests need root, iproute2 and nftables (./test.sh installs them).");
        }
    }

    public static (int Code, string Output) TryRun(string file, params string[] args) => Tool.Run(file, args);
}
