namespace NetLab.Agent.Storage;

/// <summary>
/// One file being stored. Bytes go to a hidden temporary file; <see cref="CommitAsync"/> renames it into
/// place; disposing without committing deletes it and gives its quota back.
/// </summary>
internal sealed class Upload : IAsyncDisposable
{
    private readonly FileStore _store;
    private readonly string _owner;
    private readonly string _path;
    private readonly string _temp;
    private readonly long? _expected;
    private readonly bool _newFile;
    private readonly FileStream _stream;
    private long _reserved;
    private bool _committed;

    internal Upload(FileStore store, string owner, string path, string temp, long? expected, long reserved, bool newFile)
    {
        _store = store;
        _owner = owner;
        _path = path;
        _temp = temp;
        _expected = expected;
        _reserved = reserved;
        _newFile = newFile;
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 0,
            Options = FileOptions.Asynchronous,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        _stream = new FileStream(temp, options);
    }

    /// <summary>Bytes written so far.</summary>
    public long Length { get; private set; }

    /// <summary>Appends bytes, or throws <see cref="StorageException"/> when a quota would be exceeded.</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        if (_expected is { } n && Length + bytes.Length > n)
        {
            throw StorageException.MoreThanAnnounced(n);
        }

        _reserved += _store.Reserve(_owner, Length, _reserved, bytes.Length);
        Length += bytes.Length;
        await _stream.WriteAsync(bytes, cancellationToken);
    }

    /// <summary>Makes the file visible under its name; throws when fewer bytes than announced arrived.</summary>
    public async Task CommitAsync()
    {
        if (_expected is { } n && Length != n)
        {
            throw StorageException.Incomplete(Length, n);
        }

        await _stream.FlushAsync();
        await _stream.DisposeAsync();
        _store.Replace(_owner, _temp, _path, _reserved, _newFile);
        _committed = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_committed)
        {
            return;
        }

        await _stream.DisposeAsync();
        File.Delete(_temp);
        _store.Release(_owner, _reserved, _newFile);
    }
}
