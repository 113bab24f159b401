using System.Net;
using System.Net.Sockets;

namespace NetLab.Agent.Storage;

/// <summary>
/// Where the agent's files are on disk: <c>files/OWNER/NAME</c>, OWNER the client's address (IPv4-mapped IPv6 as
/// IPv4, ':' written as '-'), and an upload in progress as a hidden <c>.NAME.GUID.partial</c> beside it.
/// </summary>
internal sealed class StorageLayout
{
    private const string PartialSuffix = ".partial";

    public StorageLayout(string dataDir)
    {
        Directory = Path.Combine(dataDir, "files");
        System.IO.Directory.CreateDirectory(Directory);
    }

    /// <summary>The folder holding every owner's folder.</summary>
    public string Directory { get; }

    /// <summary>The folder of <paramref name="owner"/>'s files (it may not exist yet).</summary>
    public string OwnerDirectory(IPAddress owner) => Path.Combine(Directory, OwnerKey(owner));

    /// <summary>Where <paramref name="owner"/>'s file <paramref name="name"/> is; throws <see cref="StorageException"/> for a name that is not allowed.</summary>
    public string PathOf(IPAddress owner, string name)
    {
        if (!FileNames.IsValid(name))
        {
            throw StorageException.InvalidName(name);
        }

        return Path.Combine(OwnerDirectory(owner), name);
    }

    /// <summary>A fresh temporary path beside <paramref name="path"/>, for an upload of it in progress.</summary>
    public static string PartialPath(string path) =>
        Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}{PartialSuffix}");

    /// <summary>Every owner's folder.</summary>
    public IEnumerable<DirectoryInfo> Owners() => new DirectoryInfo(Directory).EnumerateDirectories();

    /// <summary>Deletes the uploads an earlier run never finished.</summary>
    public void DeletePartials()
    {
        foreach (var leftover in System.IO.Directory.EnumerateFiles(Directory, "*" + PartialSuffix, SearchOption.AllDirectories))
        {
            File.Delete(leftover);
        }
    }

    /// <summary>The folder name of an owner: its address, IPv4-mapped IPv6 as IPv4, ':' as '-'.</summary>
    public static string OwnerKey(IPAddress owner)
    {
        var address = owner.IsIPv4MappedToIPv6 ? owner.MapToIPv4()
            : owner.AddressFamily == AddressFamily.InterNetworkV6 && owner.ScopeId != 0 ? new IPAddress(owner.GetAddressBytes())
            : owner;
        return address.ToString().Replace(':', '-');
    }

    /// <summary>The address an owner's folder name stands for (<see cref="IPAddress.None"/> for a folder that is no address).</summary>
    public static IPAddress OwnerAddress(string key) => IPAddress.TryParse(key.Replace('-', ':'), out var address) ? address : IPAddress.None;
}
