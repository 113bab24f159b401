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
internal sealed class KnownHosts
{
    private readonly string? _path;
    private readonly Dictionary<string, string> _pins = new(StringComparer.OrdinalIgnoreCase);

    private KnownHosts(string? path)
    {
        _path = path;
        if (path is not null && File.Exists(path))
        {
            foreach (var line in File.ReadAllLines(path))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 2 && !line.StartsWith('#'))
                {
                    _pins[parts[0]] = parts[1];
                }
            }
        }
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

    public string? Pinned(string endpoint) => _pins.GetValueOrDefault(endpoint);

    /// <summary>Checks a fingerprint against the pin, pinning it on first use (or when <paramref name="trustNew"/>).</summary>
    public PinVerdict Check(string endpoint, string fingerprint, bool trustNew)
    {
        if (_pins.TryGetValue(endpoint, out var pinned) && !trustNew)
        {
            return string.Equals(pinned, fingerprint, StringComparison.OrdinalIgnoreCase) ? PinVerdict.Matches : PinVerdict.Changed;
        }

        _pins[endpoint] = fingerprint;
        Save();
        return PinVerdict.PinnedNow;
    }

    private void Save()
    {
        if (_path is null)
        {
            return;
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(_path)!);
        File.WriteAllLines(_path, ["# netlab known hosts: host:port SHA-256 fingerprint (delete a line, or use --trust-new-cert, to re-pin)",
            .. _pins.Select(p => $"{p.Key} {p.Value}")]);
    }
}
