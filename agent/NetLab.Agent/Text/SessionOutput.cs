using System.IO.Pipelines;
using NetLab.Agent.Connections;

namespace NetLab.Agent.Text;

/// <summary>
/// The one way into a text session's PipeWriter, which is not thread-safe. The session's own replies take the
/// writer's turn (<see cref="AcquireAsync"/>); lines from elsewhere (chat relays, a transfer's result, the
/// agent's warnings) are queued with <see cref="TryPost"/>, which never blocks the sender, and written by
/// whoever holds the turn next, or by a drain scheduled on the thread pool. After <see cref="CloseAsync"/>,
/// nothing more is written, so the code that ends the connection owns the writer.
/// </summary>
/// <remarks>
/// The turn is a semaphore that is never disposed: a drain may still be waiting on it when the session ends.
/// Posting never waits, so one stuck member never stalls the room: lines past <see cref="MaxQueued"/> are
/// dropped (and counted to the member), and a member that reads nothing for the stall timeout is closed.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The turn is never disposed on purpose (see remarks); a SemaphoreSlim whose wait handle is never asked for holds nothing to release.")]
internal sealed class SessionOutput
{
    /// <summary>Lines from elsewhere that may wait for a slow reader; more are dropped.</summary>
    public const int MaxQueued = 256;

    private readonly PipeWriter _output;
    private readonly TimeSpan _stall;
    private readonly TimeProvider _time;
    private readonly Action<string> _overwhelmed;
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly Queue<string> _queued = new();
    private bool _closed;
    private int _dropped;
    private int _drainScheduled;

    /// <param name="output">The session's writer.</param>
    /// <param name="stall">How long a flush may wait for a client that does not read.</param>
    /// <param name="time">The agent's clock.</param>
    /// <param name="overwhelmed">Called when the client stopped reading: the session is to be closed.</param>
    public SessionOutput(PipeWriter output, TimeSpan stall, TimeProvider time, Action<string> overwhelmed)
    {
        _output = output;
        _stall = stall;
        _time = time;
        _overwhelmed = overwhelmed;
    }

    /// <summary>True once the session ended: nothing more is written.</summary>
    public bool IsClosed => Volatile.Read(ref _closed);

    /// <summary>
    /// Takes the writer's turn for the session's own replies: queued lines go out first. Null when the session
    /// has closed. Dispose the turn to give it back (after flushing what you wrote).
    /// </summary>
    public async ValueTask<Turn?> AcquireAsync(CancellationToken cancellationToken = default)
    {
        await _turn.WaitAsync(cancellationToken);
        if (_closed)
        {
            _turn.Release();
            return null;
        }

        WriteQueued();
        return new Turn(this);
    }

    /// <summary>
    /// Queues a line from elsewhere without waiting; false when the session is closed, or when lines come faster
    /// than its client reads them (the line is dropped, and the client told how many were).
    /// </summary>
    public bool TryPost(string line)
    {
        lock (_queued)
        {
            if (_closed)
            {
                return false;
            }

            if (_queued.Count >= MaxQueued)
            {
                _dropped++;
                return false;
            }

            _queued.Enqueue(line);
        }

        ScheduleDrain();
        return true;
    }

    /// <summary>Ends the writing: waits for the turn, so no write is in progress, and refuses every one after.</summary>
    public async ValueTask CloseAsync()
    {
        await _turn.WaitAsync();
        lock (_queued)
        {
            _closed = true;
            _queued.Clear();
        }

        _turn.Release();
    }

    private void WriteQueued()
    {
        lock (_queued)
        {
            if (_dropped > 0)
            {
                _output.WriteLine($"* {_dropped} line{(_dropped == 1 ? " was" : "s were")} dropped: they came faster than you read");
                _dropped = 0;
            }

            while (_queued.TryDequeue(out var line))
            {
                _output.WriteLine(line);
            }
        }
    }

    private void ScheduleDrain()
    {
        if (Interlocked.Exchange(ref _drainScheduled, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static o => _ = o.DrainAsync(), this, preferLocal: false);
        }
    }

    private async Task DrainAsync()
    {
        try
        {
            await using var turn = await AcquireAsync();
            Volatile.Write(ref _drainScheduled, 0);
            if (turn is not null)
            {
                await turn.FlushAsync();
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or OperationCanceledException or ObjectDisposedException)
        {
            _overwhelmed(e.Message); // the client is gone or stuck: the session ends
        }
        finally
        {
            Volatile.Write(ref _drainScheduled, 0);
        }

        lock (_queued)
        {
            if (_queued.Count == 0 || _closed)
            {
                return;
            }
        }

        ScheduleDrain(); // posted while the drain flushed
    }

    /// <summary>The session's turn at the writer: write, flush, dispose.</summary>
    internal sealed class Turn(SessionOutput owner) : IAsyncDisposable
    {
        private bool _released;

        public PipeWriter Writer => owner._output;

        public void WriteLine(string line) => owner._output.WriteLine(line);

        /// <summary>Flushes; throws <see cref="StalledException"/> when the client does not read for the stall timeout.</summary>
        public ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) =>
            Progress.FlushAsync(owner._output, owner._stall, owner._time, cancellationToken);

        public ValueTask DisposeAsync()
        {
            if (!_released)
            {
                _released = true;
                owner._turn.Release();
                lock (owner._queued)
                {
                    if (owner._queued.Count == 0 || owner._closed)
                    {
                        return ValueTask.CompletedTask;
                    }
                }

                owner.ScheduleDrain();
            }

            return ValueTask.CompletedTask;
        }
    }
}
