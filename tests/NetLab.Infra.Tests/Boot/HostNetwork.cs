using NetLab.Cli.Wan;

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
        var name = $"nlboot{Environment.ProcessId % 100000}";
        var third = Random.Shared.Next(0, 256);
        LocalAddress = $"198.19.{third}.1";
        HostAddress = $"198.19.{third}.2";
        NetworkNamespace.Delete(name); // a killed run's leftovers (the name is this process's)
        try
        {
            Namespace = NetworkNamespace.Create(name);
        }
        catch (Exception e)
        {
            throw Needs(e);
        }

        try
        {
            Namespace.AddVeth($"{name}c", [$"{HostAddress}/30"], $"{name}h", [$"{LocalAddress}/30"]);
            Namespace.Ip("addr", "add", $"{MetadataAddress}/32", "dev", "lo");
            NetworkNamespace.RequireRouteThrough(HostAddress, $"{name}h");
        }
        catch (Exception e)
        {
            Dispose();
            throw Needs(e);
        }
    }

    /// <summary>The link-local address of the instance metadata service (IMDS).</summary>
    public const string MetadataAddress = "169.254.169.254";

    /// <summary>The namespace (its Path is what nspawn's --network-namespace-path takes; Enter runs code inside).</summary>
    public NetworkNamespace Namespace { get; }

    /// <summary>This machine's end of the veth.</summary>
    public string LocalAddress { get; }

    /// <summary>The lab host's address, its "public IP".</summary>
    public string HostAddress { get; }

    public void Dispose() => Namespace.Dispose();

    /// <summary>Whether anything of it is left (the namespace, the veth).</summary>
    public bool LeftBehind() =>
        NetworkNamespace.Exists(Namespace.Name) || NetworkNamespace.MachineLinks().Contains($"{Namespace.Name}h");

    private static InvalidOperationException Needs(Exception e) =>
        new($"{e.Message} (the boot rehearsal needs root and iproute2)", e);
}
