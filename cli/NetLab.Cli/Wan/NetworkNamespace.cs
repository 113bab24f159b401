using System.ComponentModel;
using System.Net;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace NetLab.Cli.Wan;

/// <summary>
/// A network namespace this process created (iproute2's, as /run/netns/NAME), and the one way netlab and its
/// test beds build on one: create it, remove one a killed run left (<see cref="Delete"/>), run a command in it, run code on a thread inside it, join it to another namespace or to this machine with a veth pair, and check
/// a route before any traffic. Disposing removes it with everything in it: its processes are killed, and its links
/// (so a veth pair, both ends) go with it. Linux and root only (<see cref="LinuxHost.WhyNot"/>).
/// </summary>
public sealed partial class NetworkNamespace : IDisposable
{
    private const int CloneNewNet = 0x40000000;

    /// <summary>RFC 2544's benchmarking range, 198.18.0.0/15: the only addresses a route is checked into (<see cref="RequireRouteThrough"/>).</summary>
    private static readonly IPNetwork Benchmarking = IPNetwork.Parse("198.18.0.0/15");

    private readonly List<string> _machineLinks = [];

    private NetworkNamespace(string name) => Name = name;

    /// <summary>Its name, as <c>ip netns</c> knows it.</summary>
    public string Name { get; }

    /// <summary>Its file, /run/netns/NAME (what setns and <c>--network-namespace-path</c> take).</summary>
    public string Path => $"/run/netns/{Name}";

    /// <summary>
    /// Creates the namespace <paramref name="name"/> with its loopback up; fails if there is one of that name (it may
    /// be another test bed's: a name this process owns for sure, one with its process id, can be <see cref="Delete"/>d first).
    /// </summary>
    public static NetworkNamespace Create(string name)
    {
        LinuxHost.Run("ip", ["netns", "add", name]);
        var created = new NetworkNamespace(name);
        try
        {
            created.Ip("link", "set", "lo", "up");
            return created;
        }
        catch
        {
            created.Dispose();
            throw;
        }
    }

    /// <summary>Removes the namespace <paramref name="name"/>, if there is one (nothing happens if not): its processes killed, its links with it.</summary>
    public static void Delete(string name)
    {
        if (!Exists(name))
        {
            return;
        }

        var pids = LinuxHost.TryRun("ip", ["netns", "pids", name]).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (pids.Length > 0)
        {
            LinuxHost.TryRun("kill", ["-9", .. pids]);
        }

        LinuxHost.TryRun("ip", ["netns", "del", name]);
    }

    /// <summary>Whether a namespace of that name exists.</summary>
    public static bool Exists(string name) => File.Exists($"/run/netns/{name}");

    /// <summary>The names of the namespaces on this machine (<c>ip netns list</c>).</summary>
    public static IReadOnlyList<string> List() =>
        LinuxHost.TryRun("ip", ["netns", "list"]).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]).ToList();

    /// <summary>The names of this machine's own links (<c>ip -o link</c>; a veth end without its "@peer").</summary>
    public static IReadOnlyList<string> MachineLinks() =>
        LinuxHost.TryRun("ip", ["-o", "link"]).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => (l.Split(':').ElementAtOrDefault(1) ?? "").Trim().Split('@')[0]).Where(n => n.Length > 0).ToList();

    /// <summary>
    /// Refuses to send (throws) unless <c>ip route get <paramref name="to"/></c>, on this machine or in
    /// <paramref name="from"/>, goes out through <paramref name="device"/>, and <paramref name="to"/> is in
    /// 198.18.0.0/15: a set-up that went wrong must not send to the machine's default gateway.
    /// </summary>
    public static void RequireRouteThrough(string to, string device, NetworkNamespace? from = null)
    {
        var where = from is null ? "" : $"in {from.Name}, ";
        if (!IPAddress.TryParse(to, out var address) || !Benchmarking.Contains(address))
        {
            throw new InvalidOperationException($"refusing to send: {where}{to} is not in 198.18.0.0/15, the only range a test path may use");
        }

        var (code, output, error) = LinuxHost.TryRun("ip", [.. from is null ? [] : (string[])["-n", from.Name], "route", "get", to]);
        if (code != 0 || RouteDevice().Match(output) is not { Success: true } match || match.Groups[1].Value != device)
        {
            throw new InvalidOperationException($"refusing to send: {where}'ip route get {to}' says '{(output + error).Trim()}', not 'dev {device}'");
        }
    }

    /// <summary>Runs <c>ip -n NAME <paramref name="args"/></c>; its output, or an exception that says what failed.</summary>
    public string Ip(params string[] args) => LinuxHost.Run("ip", ["-n", Name, .. args]);

    /// <summary>The arguments of <c>ip</c> that run <paramref name="command"/> inside (<c>ip netns exec NAME ...</c>), for a process that keeps running.</summary>
    public string[] ExecArguments(params string[] command) => ["netns", "exec", Name, .. command];

    /// <summary>Runs <paramref name="command"/> inside to completion, with <paramref name="stdin"/>; its stdout, or an exception that says what failed.</summary>
    public string Run(IEnumerable<string> command, string? stdin = null) => LinuxHost.Run("ip", ExecArguments([.. command]), stdin);

    /// <summary>Runs <paramref name="command"/> inside to completion; its exit code and output, whatever they are.</summary>
    public (int Code, string Output, string Error) TryRun(params string[] command) => LinuxHost.TryRun("ip", ExecArguments(command));

    /// <summary>
    /// Runs <paramref name="work"/> on a thread of its own inside the namespace, and returns what it returned. What it
    /// creates there stays there: a socket or a TUN device belongs to the namespace its creating thread was in.
    /// </summary>
    public T Enter<T>(Func<T> work)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle(Path);
                if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new Win32Exception(Marshal.GetLastPInvokeError(), $"cannot enter the network namespace {Name}");
                }

                result = work();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        return failure is null ? result : throw new InvalidOperationException($"in the network namespace {Name}: {failure.Message}", failure);
    }

    /// <summary>
    /// Joins this namespace to <paramref name="peerNamespace"/> (null: to this machine) with a veth pair:
    /// <paramref name="end"/> here and <paramref name="peer"/> there, each with its addresses (ADDRESS/PREFIX) and up.
    /// </summary>
    public void AddVeth(string end, IEnumerable<string> addresses, string peer, IEnumerable<string> peerAddresses, NetworkNamespace? peerNamespace = null)
    {
        LinuxHost.Run("ip", ["link", "add", end, "netns", Name, "type", "veth", "peer", "name", peer, .. peerNamespace is null ? [] : (string[])["netns", peerNamespace.Name]]);
        if (peerNamespace is null)
        {
            _machineLinks.Add(peer);
        }

        string[] there = peerNamespace is null ? [] : ["-n", peerNamespace.Name];
        foreach (var (prefix, device, list) in new[] { ((string[])["-n", Name], end, addresses), (there, peer, peerAddresses) })
        {
            foreach (var address in list)
            {
                LinuxHost.Run("ip", [.. prefix, "addr", "add", address, "dev", device]);
            }

            LinuxHost.Run("ip", [.. prefix, "link", "set", device, "up"]);
        }
    }

    /// <summary>Removes the namespace, with its processes and links; a veth end this machine kept goes too.</summary>
    public void Dispose()
    {
        Delete(Name);
        foreach (var link in _machineLinks.Where(l => Directory.Exists($"/sys/class/net/{l}")))
        {
            LinuxHost.TryRun("ip", ["link", "del", link]);
        }
    }

    [GeneratedRegex(@"\bdev (\S+)")]
    private static partial Regex RouteDevice();

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);
}
