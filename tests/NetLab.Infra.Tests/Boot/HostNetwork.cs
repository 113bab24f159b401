using System.Runtime.InteropServices;
using NetLab.Infra.Tests.Support;

namespace NetLab.Infra.Tests.Boot;

/// <summary>
/// The rehearsal host's network: a namespace this test creates, joined to this machine by a veth pair with
/// 198.19.x.0/30 addresses (RFC 2544's benchmarking range), and the instance metadata address 169.254.169.254
/// on its loopback. Before any traffic, <c>ip route get</c> must show the way to the host going into the veth;
/// otherwise the test refuses to run (a failed setup must not send to the machine's default gateway).
/// </summary>
internal sealed class HostNetwork : IDisposable
{
    public HostNetwork()
    {
        Name = $"nlboot{Environment.ProcessId % 100000}";
        var third = Random.Shared.Next(0, 256);
        LocalAddress = $"198.19.{third}.1";
        HostAddress = $"198.19.{third}.2";
        Remove(); // a killed run's leftovers
        try
        {
            Run("ip", "netns", "add", Name);
            Run("ip", "link", "add", $"{Name}h", "type", "veth", "peer", "name", $"{Name}c");
            Run("ip", "link", "set", $"{Name}c", "netns", Name);
            Run("ip", "addr", "add", $"{LocalAddress}/30", "dev", $"{Name}h");
            Run("ip", "link", "set", $"{Name}h", "up");
            Run("ip", "-n", Name, "addr", "add", $"{HostAddress}/30", "dev", $"{Name}c");
            Run("ip", "-n", Name, "link", "set", $"{Name}c", "up");
            Run("ip", "-n", Name, "link", "set", "lo", "up");
            Run("ip", "-n", Name, "addr", "add", $"{MetadataAddress}/32", "dev", "lo");
            var route = Run("ip", "route", "get", HostAddress);
            Assert.True(route.Contains($"dev {Name}h", StringComparison.Ordinal), $"refusing to run: the way to {HostAddress} is not the test's veth:\n{route}");
        }
        catch
        {
            Remove();
            throw;
        }
    }

    /// <summary>The link-local address of the instance metadata service (IMDS).</summary>
    public const string MetadataAddress = "169.254.169.254";

    /// <summary>The namespace, as /run/netns/NAME.</summary>
    public string Name { get; }

    public string Path => $"/run/netns/{Name}";

    /// <summary>This machine's end of the veth.</summary>
    public string LocalAddress { get; }

    /// <summary>The lab host's address, its "public IP".</summary>
    public string HostAddress { get; }

    public void Dispose() => Remove();

    /// <summary>Whether anything of it is left (the namespace, the veth).</summary>
    public bool LeftBehind() =>
        File.Exists(Path) || Shell.Run("ip", ["link", "show", $"{Name}h"]).Code == 0;

    /// <summary>Runs <paramref name="create"/> on a thread inside the namespace: a socket it creates belongs to the namespace for good.</summary>
    public T Inside<T>(Func<T> create)
    {
        T? result = default;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var ns = File.OpenHandle(Path);
                if (SetNs((int)ns.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns({Path}) failed: errno {Marshal.GetLastPInvokeError()}");
                }

                result = create();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        return failure is null ? result! : throw new InvalidOperationException($"inside {Name}: {failure.Message}", failure);
    }

    private const int CloneNewNet = 0x40000000;

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
#pragma warning disable SYSLIB1054 // a test's one call; LibraryImport would need unsafe blocks in this project
    private static extern int SetNs(int fd, int nstype);
#pragma warning restore SYSLIB1054

    private void Remove()
    {
        Shell.Run("ip", ["netns", "del", Name]);
        Shell.Run("ip", ["link", "del", $"{Name}h"]);
    }

    private static string Run(string tool, params string[] args)
    {
        var (code, output) = Shell.Run(tool, args, timeoutSeconds: 30);
        Assert.True(code == 0, $"{tool} {string.Join(' ', args)} failed ({code}): {output} (the boot rehearsal needs root and iproute2)");
        return output;
    }
}
