namespace NetLab.Agent.Storage;

/// <summary>
/// The store's sweep: every tenth of the file lifetime (between a second and a minute), expired files are deleted.
/// An exception on a timer thread ends the process, so a folder that is gone (deleted by hand, or by whoever owned
/// it while the store stops) or unreadable just skips that round: the next one retries.
/// </summary>
internal sealed class FileExpiry : IDisposable
{
    private readonly FileStore _store;
    private readonly Lock _sweeping = new();
    private readonly ITimer? _timer;
    private bool _disposed;

    public FileExpiry(FileStore store, TimeSpan lifetime, TimeProvider time)
    {
        _store = store;
        if (lifetime > TimeSpan.Zero)
        {
            var every = TimeSpan.FromTicks(Math.Clamp(lifetime.Ticks / 10, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
            _timer = time.CreateTimer(static expiry => ((FileExpiry)expiry!).Sweep(), this, every, every);
        }
    }

    /// <summary>Stops the sweep; a sweep already running finishes first.</summary>
    public void Dispose()
    {
        lock (_sweeping)
        {
            _disposed = true;
        }

        _timer?.Dispose();
    }

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
                _store.ExpireOld();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // DirectoryNotFoundException is an IOException too.
            }
        }
    }
}
