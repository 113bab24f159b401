using System.Buffers;
using System.Diagnostics;

namespace NetLab.Cli.Wan;

/// <summary>
/// An internet path in user space, between two TUN devices: each direction loses a share of its packets at
/// random, sends the rest through a bottleneck of the path's rate with a bounded queue (tail drop when it is
/// full, as a router does), then holds each packet for the one-way delay. The kernel's netem does this in
/// the kernel; this machine's kernel has none, and a user-space path works on any Linux with TUN.
/// </summary>
internal sealed class PathEmulator : IDisposable
{
    private readonly Lane _up;
    private readonly Lane _down;

    /// <param name="near">The client's side (this machine).</param>
    /// <param name="far">The lab host's side (its network namespace).</param>
    /// <param name="path">Delay, loss and rate, the same both ways.</param>
    /// <param name="capture">Where every packet read, both ways, is recorded with its fate; null for no record.</param>
    public PathEmulator(Tun near, Tun far, WanPath path, PathCapture? capture = null)
    {
        Capture = capture;
        _up = new Lane("up", near, far, path, capture);
        _down = new Lane("down", far, near, path, capture);
    }

    /// <summary>The record of every packet the path read, both ways, lost or delivered (null when not recording).</summary>
    public PathCapture? Capture { get; }

    /// <summary>Packets lost at random, both ways together.</summary>
    public long Lost => _up.Lost + _down.Lost;

    /// <summary>Packets dropped because the bottleneck's queue was full, both ways together.</summary>
    public long QueueDrops => _up.QueueDrops + _down.QueueDrops;

    /// <summary>Packets delivered, both ways together.</summary>
    public long Delivered => _up.Delivered + _down.Delivered;

    public void Start()
    {
        _up.Start();
        _down.Start();
    }

    public void Dispose()
    {
        _up.Dispose();
        _down.Dispose();
    }

    /// <summary>One direction: a reader that loses, queues and times packets, and a writer that delivers them when due.</summary>
    private sealed class Lane : IDisposable
    {
        private const int MaxPacket = 65_536;

        // The bottleneck's buffer holds this long of traffic at the path's rate (at least 64 KiB).
        private static readonly TimeSpan QueueLimit = TimeSpan.FromMilliseconds(100);

        private readonly Tun _from;
        private readonly Tun _to;
        private readonly PathCapture? _capture;
        private readonly double _loss;
        private readonly long _delayTicks;
        private readonly double _ticksPerByte;
        private readonly long _maxQueuedTicks;
        private readonly Random _random = new();
        private readonly Queue<(long Due, byte[] Packet, int Length)> _inFlight = new();
        private readonly Thread _reader;
        private readonly Thread _writer;
        private long _nextFree;
        private volatile bool _stopping;

        public Lane(string name, Tun from, Tun to, WanPath path, PathCapture? capture)
        {
            _from = from;
            _to = to;
            _capture = capture;
            _loss = path.Loss;
            _delayTicks = (long)(path.Delay.TotalSeconds * Stopwatch.Frequency);
            _ticksPerByte = 8.0 * Stopwatch.Frequency / path.BitsPerSecond;
            _maxQueuedTicks = Math.Max((long)(QueueLimit.TotalSeconds * Stopwatch.Frequency), (long)(65_536 * _ticksPerByte));
            _reader = new Thread(Read) { IsBackground = true, Name = $"wan {name} in" };
            _writer = new Thread(Write) { IsBackground = true, Name = $"wan {name} out" };
        }

        public long Lost { get; private set; }

        public long QueueDrops { get; private set; }

        public long Delivered { get; private set; }

        public void Start()
        {
            _reader.Start();
            _writer.Start();
        }

        public void Dispose()
        {
            _stopping = true;
            lock (_inFlight)
            {
                Monitor.PulseAll(_inFlight);
            }

            _reader.Join(TimeSpan.FromSeconds(2));
            _writer.Join(TimeSpan.FromSeconds(2));
        }

        private void Read()
        {
            var buffer = new byte[MaxPacket];
            while (!_stopping)
            {
                var n = _from.Read(buffer, waitMs: 50);
                if (n == 0)
                {
                    continue;
                }

                if (_random.NextDouble() < _loss)
                {
                    Lost++;
                    _capture?.Record(buffer.AsSpan(0, n), PathFate.Lost);
                    continue;
                }

                // The bottleneck: a packet starts when the one before it has gone, and takes its size over the rate.
                var now = Stopwatch.GetTimestamp();
                var start = Math.Max(now, _nextFree);
                if (start - now > _maxQueuedTicks)
                {
                    QueueDrops++;
                    _capture?.Record(buffer.AsSpan(0, n), PathFate.QueueFull);
                    continue;
                }

                _capture?.Record(buffer.AsSpan(0, n), PathFate.Delivered);

                _nextFree = start + (long)(n * _ticksPerByte);
                var packet = ArrayPool<byte>.Shared.Rent(n);
                buffer.AsSpan(0, n).CopyTo(packet);
                lock (_inFlight)
                {
                    _inFlight.Enqueue((_nextFree + _delayTicks, packet, n));
                    Monitor.Pulse(_inFlight);
                }
            }
        }

        private void Write()
        {
            while (true)
            {
                (long Due, byte[] Packet, int Length) next;
                lock (_inFlight)
                {
                    while (_inFlight.Count == 0 && !_stopping)
                    {
                        Monitor.Wait(_inFlight);
                    }

                    if (_stopping)
                    {
                        return;
                    }

                    next = _inFlight.Peek();
                    var wait = next.Due - Stopwatch.GetTimestamp();
                    if (wait > 0)
                    {
                        // Due times only grow (one queue, one rate), so the head is always the next one due.
                        Monitor.Wait(_inFlight, TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency));
                        continue;
                    }

                    _inFlight.Dequeue();
                }

                _to.Write(next.Packet.AsSpan(0, next.Length));
                ArrayPool<byte>.Shared.Return(next.Packet);
                Delivered++;
            }
        }
    }
}
