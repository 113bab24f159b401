namespace NetLab.Agent.Storage;

/// <summary>A stored file as listed to clients.</summary>
public sealed record StoredFile(string Name, long Length, DateTimeOffset Modified);

/// <summary>
/// The agent's files: plain names in one folder, a quota per file and in total. Uploads go to a hidden
/// temporary file that is renamed into place only when complete, so a cut-off transfer never leaves a
/// file that looks complete.
/// </summary>
/// <remarks>
/// The total is kept as the bytes stored (counted from the folder at start) plus the bytes that uploads in
/// progress have reserved. Before refusing anything for the total, the store counts the folder again: an
/// operator may have deleted files by hand (or copied some in), and "storage full" must be true when said.
/// </remarks>
public sealed class FileStore
{
    private const string PartialSuffix = ".partial";
    private readonly AgentLimits _limits;
    private readonly Lock _gate = new();
    private long _storedBytes; // the files in the folder, as last counted plus what commits changed since
    private long _inFlightBytes; // reserved by uploads not yet committed or abandoned

    public FileStore(string dataDir, AgentLimits limits)
    {
        _limits = limits;
        Directory = Path.Combine(dataDir, "files");
        System.IO.Directory.CreateDirectory(Directory);
        foreach (var leftover in System.IO.Directory.EnumerateFiles(Directory, "*" + PartialSuffix))
        {
            File.Delete(leftover); // an upload the previous run never finished
        }

        _storedBytes = CountStored();
    }

    /// <summary>The folder holding the files.</summary>
    public string Directory { get; }

    /// <summary>Bytes stored plus bytes reserved by uploads in progress.</summary>
    public long UsedBytes
    {
        get
        {
            lock (_gate)
            {
                return _storedBytes + _inFlightBytes;
            }
        }
    }

    public AgentLimits Limits => _limits;

    /// <summary>The stored files, by name.</summary>
    public IReadOnlyList<StoredFile> List() =>
        new DirectoryInfo(Directory).EnumerateFiles()
            .Where(f => FileNames.IsValid(f.Name))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .Select(f => new StoredFile(f.Name, f.Length, f.LastWriteTimeUtc))
            .ToList();

    /// <summary>Opens a stored file for reading, or throws <see cref="StorageException"/>.</summary>
    public FileStream OpenRead(string name)
    {
        var path = PathOf(name);
        if (!File.Exists(path))
        {
            throw new StorageException(StorageError.NotFound, $"no file named '{name}' (see /files)");
        }

        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
    }

    /// <summary>
    /// Starts storing <paramref name="name"/>. With <paramref name="expectedLength"/> the upload is refused
    /// up front when it cannot fit, and is complete only when exactly that many bytes arrived.
    /// </summary>
    public Upload BeginUpload(string name, long? expectedLength = null)
    {
        var path = PathOf(name);
        if (expectedLength > _limits.MaxFileBytes)
        {
            throw TooLarge(expectedLength.Value);
        }

        if (expectedLength is { } n)
        {
            lock (_gate)
            {
                if (!FitsRecounting(n))
                {
                    throw Full(n);
                }
            }
        }

        var temp = Path.Combine(Directory, $".{name}.{Guid.NewGuid():N}{PartialSuffix}");
        return new Upload(this, path, temp, expectedLength);
    }

    internal string PathOf(string name)
    {
        if (!FileNames.IsValid(name))
        {
            throw new StorageException(StorageError.InvalidName, $"invalid file name '{name}': use {FileNames.Rule}");
        }

        return Path.Combine(Directory, name);
    }

    internal void Reserve(long alreadyWritten, int count)
    {
        if (alreadyWritten + count > _limits.MaxFileBytes)
        {
            throw TooLarge(alreadyWritten + count);
        }

        lock (_gate)
        {
            if (!FitsRecounting(count))
            {
                throw Full(alreadyWritten + count);
            }

            _inFlightBytes += count;
        }
    }

    /// <summary>An upload abandoned: its reservation goes back.</summary>
    internal void Release(long count)
    {
        lock (_gate)
        {
            _inFlightBytes -= count;
        }
    }

    /// <summary>An upload of <paramref name="length"/> bytes committed: its reservation becomes a stored file.</summary>
    internal void Replace(string temp, string path, long length)
    {
        lock (_gate)
        {
            var old = new FileInfo(path);
            var oldLength = old.Exists ? old.Length : 0;
            File.Move(temp, path, overwrite: true);
            _inFlightBytes -= length;
            _storedBytes += length - oldLength;
        }
    }

    // Under _gate. The folder is counted again only on the way to a refusal, which is rare and worth a listing.
    private bool FitsRecounting(long count)
    {
        if (_storedBytes + _inFlightBytes + count <= _limits.MaxStoredBytes)
        {
            return true;
        }

        _storedBytes = CountStored();
        return _storedBytes + _inFlightBytes + count <= _limits.MaxStoredBytes;
    }

    private long CountStored() => List().Sum(f => f.Length);

    private StorageException TooLarge(long length) =>
        new(StorageError.FileTooLarge, $"file too large: {length} bytes is over the per-file limit of {_limits.MaxFileBytes} bytes");

    // Under _gate.
    private StorageException Full(long length) =>
        new(StorageError.StorageFull, $"storage full: {length} more bytes would exceed the agent's total of {_limits.MaxStoredBytes} bytes ({_storedBytes + _inFlightBytes} used)");
}
