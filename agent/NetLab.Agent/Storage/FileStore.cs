using System.Net;
using NetLab.Agent.Internet;

namespace NetLab.Agent.Storage;

/// <summary>A stored file as listed to its owner.</summary>
internal sealed record StoredFile(string Name, long Length, DateTimeOffset Modified);

/// <summary>
/// The agent's files. Each belongs to the client address that stored it: listed, read, replaced and deleted
/// only from that address (classmates behind one NAT share one address, so they share files). Quotas
/// (<see cref="QuotaLedger"/>): bytes per file, per address and in total; files per address and in total; every
/// file costs at least one 4 KiB block, so empty files are not free. Files expire
/// <see cref="AgentLimits.FileLifetime"/> after they were written (<see cref="FileExpiry"/>). Uploads go to a hidden
/// temporary file that is renamed into place only when complete, so a cut-off transfer never leaves a file that
/// looks complete. Where things are on disk: <see cref="StorageLayout"/>.
/// </summary>
internal sealed class FileStore : IDisposable
{
    /// <summary>What a file costs at the least, and the unit its size is counted in, as a file system does.</summary>
    public const long Block = 4096;

    private readonly AgentLimits _limits;
    private readonly TimeProvider _time;
    private readonly StorageLayout _layout;
    private readonly QuotaLedger _ledger;
    private readonly FileExpiry _expiry;

    public FileStore(string dataDir, AgentLimits limits, TimeProvider? time = null, TrustedSources? sources = null)
    {
        _limits = limits;
        _time = time ?? TimeProvider.System;
        _layout = new StorageLayout(dataDir);
        _ledger = new QuotaLedger(limits, sources ?? TrustedSources.None(limits));
        _layout.DeletePartials(); // uploads the previous run never finished
        _ledger.Recount(Stored());
        _expiry = new FileExpiry(this, limits.FileLifetime, _time);
    }

    /// <summary>The folder holding every owner's folder.</summary>
    public string Directory => _layout.Directory;

    /// <summary>Bytes stored (in blocks) plus bytes reserved by uploads in progress, all owners together.</summary>
    public long UsedBytes => _ledger.UsedBytes;

    /// <summary>Files stored, all owners together.</summary>
    public int FileCount => _ledger.FileCount;

    public AgentLimits Limits => _limits;

    /// <summary>The folder of <paramref name="owner"/>'s files (it may not exist yet).</summary>
    public string OwnerDirectory(IPAddress owner) => _layout.OwnerDirectory(owner);

    /// <summary><paramref name="owner"/>'s files, by name; expired ones are not listed.</summary>
    public IReadOnlyList<StoredFile> List(IPAddress owner) => ListIn(OwnerDirectory(owner), _time.GetUtcNow());

    /// <summary>One of <paramref name="owner"/>'s files, or throws <see cref="StorageException"/> (not found).</summary>
    public StoredFile Find(IPAddress owner, string name)
    {
        var info = new FileInfo(PathOf(owner, name));
        if (!info.Exists || Expired(info, _time.GetUtcNow()))
        {
            throw StorageException.NotFound(name);
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
            throw StorageException.NotFound(name); // deleted or expired a moment ago
        }
    }

    /// <summary>Deletes one of <paramref name="owner"/>'s files, or throws <see cref="StorageException"/> (not found).</summary>
    public void Delete(IPAddress owner, string name)
    {
        var info = new FileInfo(PathOf(owner, name));
        lock (_ledger.Gate)
        {
            if (!info.Exists)
            {
                throw StorageException.NotFound(name);
            }

            var cost = Cost(info.Length);
            info.Delete();
            _ledger.Add(StorageLayout.OwnerKey(owner), bytes: -cost, files: -1);
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
            throw StorageException.TooLarge(expectedLength.Value, _limits);
        }

        var key = StorageLayout.OwnerKey(owner);
        var newFile = !File.Exists(path);
        var first = expectedLength is { } n ? Cost(n) : Block;
        lock (_ledger.Gate)
        {
            // A new file must fit the file counts, then its first bytes the byte quotas.
            var refusal = (newFile ? _ledger.Refusal(key, 0, files: 1, Stored) : null) ?? _ledger.Refusal(key, first, files: 0, Stored);
            if (refusal is not null)
            {
                throw refusal;
            }

            _ledger.Add(key, inFlightBytes: first, inFlightFiles: newFile ? 1 : 0);
        }

        try
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            return new Upload(this, key, path, StorageLayout.PartialPath(path), expectedLength, first, newFile);
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
        foreach (var owner in _layout.Owners())
        {
            foreach (var file in owner.EnumerateFiles().Where(f => FileNames.IsValid(f.Name) && Expired(f, now)))
            {
                lock (_ledger.Gate)
                {
                    file.Refresh();
                    if (!file.Exists || !Expired(file, now))
                    {
                        continue;
                    }

                    var cost = Cost(file.Length);
                    file.Delete();
                    _ledger.Add(owner.Name, bytes: -cost, files: -1);
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
    public void Dispose() => _expiry.Dispose();

    /// <summary>What a file of <paramref name="length"/> bytes counts against the quotas: whole blocks, at least one.</summary>
    public static long Cost(long length) => Math.Max(1, (length + Block - 1) / Block) * Block;

    internal string PathOf(IPAddress owner, string name) => _layout.PathOf(owner, name);

    /// <summary>An upload has <paramref name="written"/> bytes and wants <paramref name="count"/> more: reserves what that costs beyond <paramref name="reserved"/>.</summary>
    internal long Reserve(string owner, long written, long reserved, int count)
    {
        if (written + count > _limits.MaxFileBytes)
        {
            throw StorageException.TooLarge(written + count, _limits);
        }

        var more = Cost(written + count) - reserved;
        if (more <= 0)
        {
            return 0;
        }

        lock (_ledger.Gate)
        {
            if (_ledger.Refusal(owner, more, files: 0, Stored, said: written + count) is { } refusal)
            {
                throw refusal;
            }

            _ledger.Add(owner, inFlightBytes: more);
        }

        return more;
    }

    /// <summary>An upload abandoned: its reservation goes back.</summary>
    internal void Release(string owner, long reserved, bool newFile)
    {
        lock (_ledger.Gate)
        {
            _ledger.Add(owner, inFlightBytes: -reserved, inFlightFiles: newFile ? -1 : 0);
        }
    }

    /// <summary>An upload committed: its reservation becomes a stored file (replacing one of the same name).</summary>
    internal void Replace(string owner, string temp, string path, long reserved, bool newFile)
    {
        lock (_ledger.Gate)
        {
            var old = new FileInfo(path);
            var oldCost = old.Exists ? Cost(old.Length) : 0;
            var replaced = old.Exists;
            File.Move(temp, path, overwrite: true);
            _ledger.Add(owner, bytes: reserved - oldCost, files: replaced ? 0 : 1, inFlightBytes: -reserved, inFlightFiles: newFile ? -1 : 0);
        }
    }

    /// <summary>What is on disk now: each stored file's owner and cost (expired ones are not counted).</summary>
    private IEnumerable<(string Owner, long Cost)> Stored()
    {
        var now = _time.GetUtcNow();
        return _layout.Owners().SelectMany(owner => ListIn(owner.FullName, now).Select(file => (owner.Name, Cost(file.Length))));
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
}
