using System.Net;
using NetLab.Agent.Internet;

namespace NetLab.Agent.Storage;

/// <summary>A stored file as listed to its owner.</summary>
internal sealed record StoredFile(string Name, long Length, DateTimeOffset Modified);

/// <summary>
/// The agent's files. Each belongs to the client address that stored it: listed, read, replaced and deleted
/// only from that address (classmates behind one NAT share one address, so they share files). Quotas: bytes
/// per file, per address and in total; files per address and in total; every file costs at least one 4 KiB
/// block, so empty files are not free. Files expire <see cref="AgentLimits.FileLifetime"/> after they were
/// written. Uploads go to a hidden temporary file that is renamed into place only when complete, so a cut-off
/// transfer never leaves a file that looks complete.
/// </summary>
/// <remarks>
/// On disk: <c>files/OWNER/NAME</c>, OWNER the address (':' written as '-'). The totals are kept as what is
/// stored (counted from the folder at start) plus what uploads in progress have reserved. Before refusing
/// anything for a quota, the store counts the folder again: an operator may have deleted files by hand, and
/// "storage full" must be true when said.
/// </remarks>
internal sealed class FileStore : IDisposable
{
    /// <summary>What a file costs at the least, and the unit its size is counted in, as a file system does.</summary>
    public const long Block = 4096;

    private const string PartialSuffix = ".partial";
    private readonly AgentLimits _limits;
    private readonly TrustedSources _sources;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Usage> _owners = new(StringComparer.Ordinal);
    private readonly ITimer? _expiry;
    private readonly Lock _sweeping = new();
    private bool _disposed;
    private Usage _total = new();

    public FileStore(string dataDir, AgentLimits limits, TimeProvider? time = null, TrustedSources? sources = null)
    {
        _limits = limits;
        _sources = sources ?? TrustedSources.None(limits);
        _time = time ?? TimeProvider.System;
        Directory = Path.Combine(dataDir, "files");
        System.IO.Directory.CreateDirectory(Directory);
        AdoptLegacyFiles();
        foreach (var leftover in System.IO.Directory.EnumerateFiles(Directory, "*" + PartialSuffix, SearchOption.AllDirectories))
        {
            File.Delete(leftover); // an upload the previous run never finished
        }

        Recount();
        if (limits.FileLifetime > TimeSpan.Zero)
        {
            var every = TimeSpan.FromTicks(Math.Clamp(limits.FileLifetime.Ticks / 10, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
            _expiry = _time.CreateTimer(_ => Sweep(), null, every, every);
        }
    }

    /// <summary>The folder holding every owner's folder.</summary>
    public string Directory { get; }

    /// <summary>Bytes stored (in blocks) plus bytes reserved by uploads in progress, all owners together.</summary>
    public long UsedBytes
    {
        get
        {
            lock (_gate)
            {
                return _total.Bytes + _total.InFlightBytes;
            }
        }
    }

    /// <summary>Files stored, all owners together.</summary>
    public int FileCount
    {
        get
        {
            lock (_gate)
            {
                return _total.Files;
            }
        }
    }

    public AgentLimits Limits => _limits;

    /// <summary>The folder of <paramref name="owner"/>'s files (it may not exist yet).</summary>
    public string OwnerDirectory(IPAddress owner) => Path.Combine(Directory, OwnerKey(owner));

    /// <summary><paramref name="owner"/>'s files, by name; expired ones are not listed.</summary>
    public IReadOnlyList<StoredFile> List(IPAddress owner) => ListIn(OwnerDirectory(owner), _time.GetUtcNow());

    /// <summary>One of <paramref name="owner"/>'s files, or throws <see cref="StorageException"/> (not found).</summary>
    public StoredFile Find(IPAddress owner, string name)
    {
        var info = new FileInfo(PathOf(owner, name));
        if (!info.Exists || Expired(info, _time.GetUtcNow()))
        {
            throw NotFound(name);
        }

        return new StoredFile(name, info.Length, info.LastWriteTimeUtc);
    }

    /// <summary>Opens one of <paramref name="owner"/>'s files for reading, or throws <see cref="StorageException"/>.</summary>
    public FileStream OpenRead(IPAddress owner, string name)
    {
        Find(owner, name);
        try
        {
            return new FileStream(PathOf(owner, name), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, useAsync: true);
        }
        catch (FileNotFoundException)
        {
            throw NotFound(name); // deleted or expired a moment ago
        }
    }

    /// <summary>Deletes one of <paramref name="owner"/>'s files, or throws <see cref="StorageException"/> (not found).</summary>
    public void Delete(IPAddress owner, string name)
    {
        var info = new FileInfo(PathOf(owner, name));
        lock (_gate)
        {
            if (!info.Exists)
            {
                throw NotFound(name);
            }

            var cost = Cost(info.Length);
            info.Delete();
            Forget(OwnerKey(owner), cost);
        }
    }

    /// <summary>
    /// Starts storing <paramref name="name"/> for <paramref name="owner"/>. With <paramref name="expectedLength"/>
    /// the upload is refused up front when it cannot fit, and is complete only when exactly that many bytes arrived.
    /// </summary>
    public Upload BeginUpload(IPAddress owner, string name, long? expectedLength = null)
    {
        var path = PathOf(owner, name);
        if (expectedLength > _limits.MaxFileBytes)
        {
            throw TooLarge(expectedLength.Value);
        }

        var key = OwnerKey(owner);
        var newFile = !File.Exists(path);
        var first = expectedLength is { } n ? Cost(n) : Block;
        lock (_gate)
        {
            if (newFile)
            {
                if (!FitsRecounting(key, 0, files: 1, out var which))
                {
                    throw TooMany(which, key);
                }
            }

            if (!FitsRecounting(key, first, files: 0, out var full))
            {
                throw Full(full, first, key);
            }

            var usage = OwnerUsage(key);
            usage.InFlightBytes += first;
            _total.InFlightBytes += first;
            if (newFile)
            {
                usage.InFlightFiles++;
                _total.InFlightFiles++;
            }
        }

        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = Path.Combine(Path.GetDirectoryName(path)!, $".{name}.{Guid.NewGuid():N}{PartialSuffix}");
        try
        {
            return new Upload(this, key, path, temp, expectedLength, first, newFile);
        }
        catch
        {
            Release(key, first, newFile);
            throw;
        }
    }

    /// <summary>Deletes every file written longer ago than the file lifetime; returns how many.</summary>
    public int ExpireOld()
    {
        if (_limits.FileLifetime <= TimeSpan.Zero)
        {
            return 0;
        }

        var now = _time.GetUtcNow();
        var expired = 0;
        foreach (var owner in new DirectoryInfo(Directory).EnumerateDirectories())
        {
            foreach (var file in owner.EnumerateFiles().Where(f => FileNames.IsValid(f.Name) && Expired(f, now)))
            {
                lock (_gate)
                {
                    file.Refresh();
                    if (!file.Exists || !Expired(file, now))
                    {
                        continue;
                    }

                    var cost = Cost(file.Length);
                    file.Delete();
                    Forget(owner.Name, cost);
                    expired++;
                }
            }

            if (!owner.EnumerateFileSystemInfos().Any())
            {
                try
                {
                    owner.Delete();
                }
                catch (IOException)
                {
                    // An upload started there just now.
                }
            }
        }

        return expired;
    }

    /// <summary>Stops the sweep; a sweep already running finishes first, so the folder can be deleted right after.</summary>
    public void Dispose()
    {
        lock (_sweeping)
        {
            _disposed = true;
        }

        _expiry?.Dispose();
    }

    /// <summary>
    /// The timer's sweep. An exception on a timer thread ends the process, so a folder that is gone (deleted by
    /// hand, or by whoever owned it while this store stops) or unreadable just skips this round: the next one retries.
    /// </summary>
    private void Sweep()
    {
        lock (_sweeping)
        {
            if (_disposed)
            {
                return;
            }

            try
            {
                ExpireOld();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // DirectoryNotFoundException is an IOException too.
            }
        }
    }

    /// <summary>What a file of <paramref name="length"/> bytes counts against the quotas: whole blocks, at least one.</summary>
    public static long Cost(long length) => Math.Max(1, (length + Block - 1) / Block) * Block;

    internal string PathOf(IPAddress owner, string name)
    {
        if (!FileNames.IsValid(name))
        {
            throw new StorageException(StorageError.InvalidName, $"invalid file name '{name}': use {FileNames.Rule}");
        }

        return Path.Combine(OwnerDirectory(owner), name);
    }

    /// <summary>An upload has <paramref name="written"/> bytes and wants <paramref name="count"/> more: reserves what that costs beyond <paramref name="reserved"/>.</summary>
    internal long Reserve(string owner, long written, long reserved, int count)
    {
        if (written + count > _limits.MaxFileBytes)
        {
            throw TooLarge(written + count);
        }

        var more = Cost(written + count) - reserved;
        if (more <= 0)
        {
            return 0;
        }

        lock (_gate)
        {
            if (!FitsRecounting(owner, more, files: 0, out var which))
            {
                throw Full(which, written + count, owner);
            }

            OwnerUsage(owner).InFlightBytes += more;
            _total.InFlightBytes += more;
        }

        return more;
    }

    /// <summary>An upload abandoned: its reservation goes back.</summary>
    internal void Release(string owner, long reserved, bool newFile)
    {
        lock (_gate)
        {
            var usage = OwnerUsage(owner);
            usage.InFlightBytes -= reserved;
            _total.InFlightBytes -= reserved;
            if (newFile)
            {
                usage.InFlightFiles--;
                _total.InFlightFiles--;
            }
        }
    }

    /// <summary>An upload committed: its reservation becomes a stored file (replacing one of the same name).</summary>
    internal void Replace(string owner, string temp, string path, long reserved, bool newFile)
    {
        lock (_gate)
        {
            var old = new FileInfo(path);
            var oldCost = old.Exists ? Cost(old.Length) : 0;
            var replaced = old.Exists;
            File.Move(temp, path, overwrite: true);
            var usage = OwnerUsage(owner);
            usage.InFlightBytes -= reserved;
            _total.InFlightBytes -= reserved;
            usage.Bytes += reserved - oldCost;
            _total.Bytes += reserved - oldCost;
            if (newFile)
            {
                usage.InFlightFiles--;
                _total.InFlightFiles--;
            }

            if (!replaced)
            {
                usage.Files++;
                _total.Files++;
            }
        }
    }

    private static List<StoredFile> ListIn(string folder, DateTimeOffset now) =>
        !System.IO.Directory.Exists(folder)
            ? []
            : new DirectoryInfo(folder).EnumerateFiles()
                .Where(f => FileNames.IsValid(f.Name) && !Expired(f, now, null))
                .OrderBy(f => f.Name, StringComparer.Ordinal)
                .Select(f => new StoredFile(f.Name, f.Length, f.LastWriteTimeUtc))
                .ToList();

    private bool Expired(FileInfo file, DateTimeOffset now) => Expired(file, now, _limits);

    private static bool Expired(FileInfo file, DateTimeOffset now, AgentLimits? limits) =>
        limits is { FileLifetime.Ticks: > 0 } && now - file.LastWriteTimeUtc >= limits.FileLifetime;

    /// <summary>The folder name of an owner: its address, IPv4-mapped IPv6 as IPv4, ':' as '-'.</summary>
    private static string OwnerKey(IPAddress owner)
    {
        var address = owner.IsIPv4MappedToIPv6 ? owner.MapToIPv4()
            : owner.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && owner.ScopeId != 0 ? new IPAddress(owner.GetAddressBytes())
            : owner;
        return address.ToString().Replace(':', '-');
    }

    // Under _gate.
    private Usage OwnerUsage(string owner)
    {
        if (!_owners.TryGetValue(owner, out var usage))
        {
            _owners[owner] = usage = new Usage();
        }

        return usage;
    }

    // Under _gate.
    private void Forget(string owner, long cost)
    {
        var usage = OwnerUsage(owner);
        usage.Bytes -= cost;
        usage.Files--;
        _total.Bytes -= cost;
        _total.Files--;
    }

    // Under _gate. The folder is counted again only on the way to a refusal, which is rare and worth a listing.
    private bool FitsRecounting(string owner, long bytes, int files, out Quota which)
    {
        if (Fits(owner, bytes, files, out which))
        {
            return true;
        }

        Recount();
        return Fits(owner, bytes, files, out which);
    }

    // Under _gate.
    private bool Fits(string owner, long bytes, int files, out Quota which)
    {
        var usage = OwnerUsage(owner);
        var mine = SourceOf(owner);
        which = usage.Bytes + usage.InFlightBytes + bytes > mine.MaxStoredBytes ? Quota.AddressBytes
            : _total.Bytes + _total.InFlightBytes + bytes > _limits.MaxStoredBytes ? Quota.TotalBytes
            : files > 0 && usage.Files + usage.InFlightFiles + files > mine.MaxFiles ? Quota.AddressFiles
            : files > 0 && _total.Files + _total.InFlightFiles + files > _limits.MaxFiles ? Quota.TotalFiles
            : Quota.None;
        return which == Quota.None;
    }

    // The per-address limits of an owner, from its folder name (the address, ':' written as '-').
    private SourceLimits SourceOf(string owner) =>
        _sources.For(IPAddress.TryParse(owner.Replace('-', ':'), out var address) ? address : IPAddress.None);

    // Under _gate (or in the constructor): what is on disk now, keeping the reservations of uploads in progress.
    private void Recount()
    {
        var now = _time.GetUtcNow();
        foreach (var usage in _owners.Values)
        {
            usage.Bytes = 0;
            usage.Files = 0;
        }

        _total = new Usage { InFlightBytes = _total.InFlightBytes, InFlightFiles = _total.InFlightFiles };
        foreach (var owner in new DirectoryInfo(Directory).EnumerateDirectories())
        {
            var usage = OwnerUsage(owner.Name);
            foreach (var file in ListIn(owner.FullName, now))
            {
                usage.Bytes += Cost(file.Length);
                usage.Files++;
            }

            _total.Bytes += usage.Bytes;
            _total.Files += usage.Files;
        }
    }

    /// <summary>Files an earlier agent kept in one folder for everyone go to the host's own address, loopback.</summary>
    private void AdoptLegacyFiles()
    {
        var loopback = OwnerDirectory(IPAddress.Loopback);
        foreach (var legacy in new DirectoryInfo(Directory).EnumerateFiles().Where(f => FileNames.IsValid(f.Name)))
        {
            System.IO.Directory.CreateDirectory(loopback);
            legacy.MoveTo(Path.Combine(loopback, legacy.Name), overwrite: false);
        }
    }

    private static StorageException NotFound(string name) => new(StorageError.NotFound, $"no file named '{name}' (see /files)");

    private StorageException TooLarge(long length) =>
        new(StorageError.FileTooLarge, $"file too large: {length} bytes is over the per-file limit of {_limits.MaxFileBytes} bytes");

    // Under _gate.
    private StorageException Full(Quota which, long length, string owner) => which == Quota.AddressBytes
        ? new(StorageError.StorageFull, $"storage full for your address: {length} more bytes would exceed its quota of {SourceOf(owner).MaxStoredBytes} bytes; delete some files (/rm NAME or curl -X DELETE)"
            + LimitAdvice.ForClass(SourceOf(owner)))
        : new(StorageError.StorageFull, $"storage full: {length} more bytes would exceed the agent's total of {_limits.MaxStoredBytes} bytes ({_total.Bytes + _total.InFlightBytes} used)");

    private StorageException TooMany(Quota which, string owner) => which == Quota.AddressFiles
        ? new(StorageError.TooManyFiles, $"too many files: your address may keep {SourceOf(owner).MaxFiles}; delete some (/rm NAME or curl -X DELETE)" + LimitAdvice.ForClass(SourceOf(owner)))
        : which == Quota.TotalFiles
            ? new(StorageError.TooManyFiles, $"too many files: the agent keeps at most {_limits.MaxFiles} in all; try again later")
            : Full(which, Block, owner);

    private enum Quota
    {
        None,
        AddressBytes,
        TotalBytes,
        AddressFiles,
        TotalFiles,
    }

    private sealed class Usage
    {
        public long Bytes;
        public int Files;
        public long InFlightBytes;
        public int InFlightFiles;
    }
}
