namespace NetLab.Cli.Lab;

/// <summary>What pinning said about a certificate.</summary>
internal enum PinVerdict
{
    /// <summary>First use: the fingerprint is now pinned.</summary>
    PinnedNow,

    /// <summary>Matches the pinned fingerprint.</summary>
    Matches,

    /// <summary>Differs from the pinned fingerprint: someone in the middle, or a reinstalled agent.</summary>
    Changed,
}

/// <summary>
/// Trust on first use, as ssh does: the first TLS connection to host:port pins the certificate's SHA-256
/// fingerprint in a known-hosts file; later connections must present the same one.
/// </summary>
/// <remarks>
/// Written safely: one writer at a time within the process (the HTTPS exercise opens seven TLS connections at once,
/// each checking its pin), and across processes (two netlab runs) through an exclusive lock on a file beside it
/// (<c>known_hosts.lock</c>). Under that lock the file is read again, so a pin another process wrote meanwhile is kept
/// and checked, and it is replaced whole: written to a temporary file, then renamed over it, so no reader ever sees
/// half a file. Windows refuses a second open of a file being written, where Linux let two writers interleave.
/// </remarks>
internal sealed class KnownHosts
{
    private const string Header = "# netlab known hosts: host:port SHA-256 fingerprint (delete a line, or use --trust-new-cert, to re-pin)";

    /// <summary>How long a writer waits for another process's lock before saying so.</summary>
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(10);

    private readonly string? _path;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _pins = new(StringComparer.OrdinalIgnoreCase);

    private KnownHosts(string? path)
    {
        _path = path;
        Read();
    }

    /// <summary>Where pins are kept: $NETLAB_CONFIG_DIR, else the user's config folder (~/.config/netlab).</summary>
    public static string DefaultPath
    {
        get
        {
            var dir = Environment.GetEnvironmentVariable("NETLAB_CONFIG_DIR");
            if (string.IsNullOrEmpty(dir))
            {
                dir = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.DoNotVerify), "netlab");
            }

            return Path.Combine(dir, "known_hosts");
        }
    }

    public string? FilePath => _path;

    public static KnownHosts Load(string path) => new(path);

    /// <summary>Pins kept only in memory (the embedded lab's agent is new every run).</summary>
    public static KnownHosts InMemory() => new(null);

    public string? Pinned(string endpoint)
    {
        lock (_gate)
        {
            return _pins.GetValueOrDefault(endpoint);
        }
    }

    /// <summary>Checks a fingerprint against the pin, pinning it on first use (or when <paramref name="trustNew"/>).</summary>
    public PinVerdict Check(string endpoint, string fingerprint, bool trustNew)
    {
        lock (_gate)
        {
            if (!trustNew && _pins.TryGetValue(endpoint, out var known))
            {
                return Compare(known, fingerprint);
            }

            if (_path is null)
            {
                _pins[endpoint] = fingerprint;
                return PinVerdict.PinnedNow;
            }

            using var exclusive = LockFile(_path);
            Read(); // what other processes pinned since this one started
            if (!trustNew && _pins.TryGetValue(endpoint, out known))
            {
                return Compare(known, fingerprint);
            }

            _pins[endpoint] = fingerprint;
            Write(_path);
            return PinVerdict.PinnedNow;
        }
    }

    private static PinVerdict Compare(string pinned, string fingerprint) =>
        string.Equals(pinned, fingerprint, StringComparison.OrdinalIgnoreCase) ? PinVerdict.Matches : PinVerdict.Changed;

    private void Read()
    {
        if (_path is null || !File.Exists(_path))
        {
            return;
        }

        foreach (var line in File.ReadAllLines(_path))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && !line.StartsWith('#'))
            {
                _pins[parts[0]] = parts[1];
            }
        }
    }

    /// <summary>The whole file, replaced at once: a temporary file beside it, then a rename over it.</summary>
    private void Write(string path)
    {
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            File.WriteAllLines(temporary, [Header, .. _pins.Select(p => $"{p.Key} {p.Value}")]);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    File.Move(temporary, path, overwrite: true);
                    return;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException && attempt < 50)
                {
                    Thread.Sleep(20); // Windows: a reader has it open this instant
                }
            }
        }
        finally
        {
            File.Delete(temporary); // gone already when the rename worked
        }
    }

    /// <summary>The lock beside the file, held exclusively (an OS lock: released if the process dies).</summary>
    private static FileStream LockFile(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var deadline = DateTime.UtcNow + LockWait;
        while (true)
        {
            try
            {
                return new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(10); // another netlab is writing its pin
            }
            catch (IOException e)
            {
                throw new IOException($"{path}.lock has been held by another netlab for {LockWait.TotalSeconds:F0} s; if none is running, delete it ({e.Message})", e);
            }
        }
    }
}
