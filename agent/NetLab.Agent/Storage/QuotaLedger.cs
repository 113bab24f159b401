using NetLab.Agent.Internet;

namespace NetLab.Agent.Storage;

/// <summary>
/// What the stored files use, per owner and in all: bytes (in whole blocks) and files, each as what is stored
/// plus what uploads in progress have reserved. Every change goes to the owner and the total together
/// (<see cref="Add"/>). Before refusing anything for a quota, the ledger counts the disk again: an operator may
/// have deleted files by hand, and "storage full" must be true when said.
/// </summary>
/// <param name="limits">The agent's totals.</param>
/// <param name="sources">Each address's own quotas (a trusted class address gets class-sized ones).</param>
internal sealed class QuotaLedger(AgentLimits limits, TrustedSources sources)
{
    private readonly Dictionary<string, Usage> _owners = new(StringComparer.Ordinal);
    private Usage _total = new();

    /// <summary>Held by the store around a change on disk and its entry here, so a recount never sees one without the other.</summary>
    public Lock Gate { get; } = new();

    /// <summary>Bytes stored plus bytes reserved, all owners together.</summary>
    public long UsedBytes
    {
        get
        {
            lock (Gate)
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
            lock (Gate)
            {
                return _total.Files;
            }
        }
    }

    /// <summary>Under <see cref="Gate"/>: one change, to the owner and to the total.</summary>
    public void Add(string owner, long bytes = 0, int files = 0, long inFlightBytes = 0, int inFlightFiles = 0)
    {
        foreach (var usage in (ReadOnlySpan<Usage>)[OwnerUsage(owner), _total])
        {
            usage.Bytes += bytes;
            usage.Files += files;
            usage.InFlightBytes += inFlightBytes;
            usage.InFlightFiles += inFlightFiles;
        }
    }

    /// <summary>
    /// Under <see cref="Gate"/>: null when <paramref name="bytes"/> more bytes and <paramref name="files"/> more files
    /// fit <paramref name="owner"/>'s quotas and the totals, else the refusal to throw. <paramref name="stored"/>
    /// lists what is on disk, for the recount before a refusal (rare, and worth a listing). The refusal names
    /// <paramref name="said"/> bytes (what the client asked for), by default the bytes checked (at least a block).
    /// </summary>
    public StorageException? Refusal(string owner, long bytes, int files, Func<IEnumerable<(string Owner, long Cost)>> stored, long? said = null)
    {
        if (Over(owner, bytes, files) == Quota.None)
        {
            return null;
        }

        Recount(stored());
        var length = said ?? Math.Max(bytes, FileStore.Block);
        return Over(owner, bytes, files) switch
        {
            Quota.None => null,
            Quota.AddressBytes => StorageException.AddressFull(length, For(owner)),
            Quota.TotalBytes => StorageException.TotalFull(length, limits.MaxStoredBytes, _total.Bytes + _total.InFlightBytes),
            Quota.AddressFiles => StorageException.AddressTooMany(For(owner)),
            _ => StorageException.TotalTooMany(limits.MaxFiles),
        };
    }

    /// <summary>Under <see cref="Gate"/> (or before anyone else has the ledger): what is on disk now, keeping the reservations of uploads in progress.</summary>
    public void Recount(IEnumerable<(string Owner, long Cost)> stored)
    {
        foreach (var usage in _owners.Values)
        {
            usage.Bytes = 0;
            usage.Files = 0;
        }

        _total = new Usage { InFlightBytes = _total.InFlightBytes, InFlightFiles = _total.InFlightFiles };
        foreach (var (owner, cost) in stored)
        {
            Add(owner, bytes: cost, files: 1);
        }
    }

    private Quota Over(string owner, long bytes, int files)
    {
        var usage = OwnerUsage(owner);
        var mine = For(owner);
        return usage.Bytes + usage.InFlightBytes + bytes > mine.MaxStoredBytes ? Quota.AddressBytes
            : _total.Bytes + _total.InFlightBytes + bytes > limits.MaxStoredBytes ? Quota.TotalBytes
            : files > 0 && usage.Files + usage.InFlightFiles + files > mine.MaxFiles ? Quota.AddressFiles
            : files > 0 && _total.Files + _total.InFlightFiles + files > limits.MaxFiles ? Quota.TotalFiles
            : Quota.None;
    }

    private SourceLimits For(string owner) => sources.For(StorageLayout.OwnerAddress(owner));

    private Usage OwnerUsage(string owner)
    {
        if (!_owners.TryGetValue(owner, out var usage))
        {
            _owners[owner] = usage = new Usage();
        }

        return usage;
    }

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
