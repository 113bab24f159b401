using System.Net;
using System.Net.Sockets;
using NetLab.Wire;

namespace NetLab.Cli.Wan;

/// <summary>What the path did with a packet it read.</summary>
internal enum PathFate
{
    /// <summary>Queued and delivered after the path's delay.</summary>
    Delivered,

    /// <summary>Dropped by the path's random loss.</summary>
    Lost,

    /// <summary>Dropped because the bottleneck's queue was full (tail drop).</summary>
    QueueFull,
}

/// <summary>
/// The path emulator's record of <c>netlab lab --wan</c>: every TCP and UDP packet between the client's side and the
/// lab host that the path read, in both directions, kept as <see cref="WirePacket.KeepLength"/> cuts it (headers and at
/// most 64 bytes of payload) with its length on the wire and the time the path read it. A packet the path lost at
/// random carries the comment <see cref="LostComment"/>, one dropped at a full queue <see cref="QueueFullComment"/>;
/// delivered packets have none. Since the path sees each packet before its fate, this record shows what neither
/// end can: the loss and the retransmission that repaired it, the SYN a firewall dropped without an answer.
/// </summary>
/// <remarks>
/// Bounded in memory, nothing on disk: it keeps the newest <see cref="DefaultMaxPackets"/> packets (200,000) or
/// <see cref="DefaultMaxBytes"/> (32 MiB, counting each packet's kept bytes plus <see cref="OverheadPerPacket"/> for
/// its bookkeeping), whichever is reached first; older packets are forgotten, oldest first. Other protocols
/// (ICMPv6 neighbour discovery, later IPv4 fragments) are not kept. Thread-safe: the two lanes record from their
/// own threads; each packet's bytes (at most 184) are copied before one short lock that puts them in a ring;
/// <see cref="TakeSince"/> holds it only to copy out the entries it hands over, and reads their headers after. A
/// record costs about a microsecond with both lanes recording flat out (PathCaptureTests); <c>netlab lab --wan</c>'s
/// transfer figures were the same with it as without.
/// </remarks>
internal sealed class PathCapture
{
    public const int DefaultMaxPackets = 200_000;
    public const long DefaultMaxBytes = 32L * 1024 * 1024;

    /// <summary>What each packet costs beyond its kept bytes: the array's header and its entry here.</summary>
    public const int OverheadPerPacket = 48;

    public const string LostComment = "lost on the path (emulated loss)";
    public const string QueueFullComment = "dropped: the path's queue was full";

    private readonly byte[] _a;
    private readonly byte[] _b;
    private readonly int _maxPackets;
    private readonly long _maxBytes;
    private Entry[] _ring = new Entry[1024]; // grows by doubling, up to the packet bound
    private int _head; // where the oldest packet held is in _ring
    private int _count;
    private readonly Lock _gate = new();
    private long _recorded;
    private long _bytes;

    /// <summary>A record of the packets between <paramref name="a"/> and <paramref name="b"/> (either way), within the bounds given.</summary>
    public PathCapture(IPAddress a, IPAddress b, int maxPackets = DefaultMaxPackets, long maxBytes = DefaultMaxBytes)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPackets, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        if (a.AddressFamily != b.AddressFamily || a.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new ArgumentException($"the two ends must be both IPv4 or both IPv6: {a} and {b}", nameof(b));
        }

        _a = a.GetAddressBytes();
        _b = b.GetAddressBytes();
        _maxPackets = maxPackets;
        _maxBytes = maxBytes;
    }

    /// <summary>Packets recorded since the start, including those the bounds have since forgotten.</summary>
    public long Recorded
    {
        get
        {
            lock (_gate)
            {
                return _recorded;
            }
        }
    }

    /// <summary>Packets held now (the newest, within the bounds).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>What the packets held now cost, as the byte bound counts it.</summary>
    public long Bytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes;
            }
        }
    }

    /// <summary>The comment a packet of this fate carries; null for a delivered one.</summary>
    public static string? CommentFor(PathFate fate) => fate switch
    {
        PathFate.Lost => LostComment,
        PathFate.QueueFull => QueueFullComment,
        _ => null,
    };

    /// <summary>
    /// Records <paramref name="packet"/> (an IP packet as the path read it) and its fate, when it is TCP or UDP between
    /// the two ends; false when it is not kept. Called on a lane's thread for every packet it reads.
    /// </summary>
    public bool Record(ReadOnlySpan<byte> packet, PathFate fate)
    {
        if (!Belongs(packet))
        {
            return false;
        }

        var now = DateTime.UtcNow;
        var data = packet[..WirePacket.KeepLength(packet)].ToArray();
        var cost = data.Length + OverheadPerPacket;
        lock (_gate)
        {
            while (_count > 0 && (_count >= _maxPackets || _bytes + cost > _maxBytes))
            {
                _bytes -= _ring[_head].Data.Length + OverheadPerPacket;
                _ring[_head] = default;
                _head = (_head + 1) % _ring.Length;
                _count--;
            }

            if (_count == _ring.Length)
            {
                Grow();
            }

            _ring[(_head + _count) % _ring.Length] = new Entry(now.Ticks, data, packet.Length, fate);
            _count++;
            _recorded++;
            _bytes += cost;
        }

        return true;
    }

    /// <summary>
    /// The packets recorded from <paramref name="cursor"/> on (a count of <see cref="Recorded"/>; 0 for all held),
    /// oldest first, and moves the cursor past them. Packets the bounds have forgotten are skipped.
    /// </summary>
    public IReadOnlyList<WirePacket> TakeSince(ref long cursor)
    {
        Entry[] taken;
        lock (_gate)
        {
            var first = _recorded - _count; // the number of the oldest packet held
            var skip = (int)Math.Clamp(cursor - first, 0, _count);
            taken = new Entry[_count - skip];
            for (var i = 0; i < taken.Length; i++)
            {
                taken[i] = _ring[(_head + skip + i) % _ring.Length];
            }

            cursor = _recorded;
        }

        var packets = new WirePacket[taken.Length];
        for (var i = 0; i < taken.Length; i++)
        {
            var e = taken[i];
            packets[i] = new WirePacket(new DateTime(e.Ticks, DateTimeKind.Utc), e.Data, e.Length, CommentFor(e.Fate));
        }

        return packets;
    }

    /// <summary>Doubles the ring (under the lock), the oldest packet first.</summary>
    private void Grow()
    {
        var bigger = new Entry[Math.Min(_ring.Length * 2, _maxPackets)];
        for (var i = 0; i < _count; i++)
        {
            bigger[i] = _ring[(_head + i) % _ring.Length];
        }

        (_ring, _head) = (bigger, 0);
    }

    /// <summary>TCP or UDP (a first or only fragment) between the two ends, either way.</summary>
    private bool Belongs(ReadOnlySpan<byte> p)
    {
        int protocol, addresses;
        if (_a.Length == 4 && p.Length >= 20 && p[0] >> 4 == 4)
        {
            if (((p[6] & 0x1f) | p[7]) != 0)
            {
                return false; // a later fragment: no transport header
            }

            (protocol, addresses) = (p[9], 12);
        }
        else if (_a.Length == 16 && p.Length >= 40 && p[0] >> 4 == 6)
        {
            (protocol, addresses) = (p[6], 8);
        }
        else
        {
            return false;
        }

        var source = p.Slice(addresses, _a.Length);
        var destination = p.Slice(addresses + _a.Length, _a.Length);

        return protocol is 6 or 17
            && ((source.SequenceEqual(_a) && destination.SequenceEqual(_b)) || (source.SequenceEqual(_b) && destination.SequenceEqual(_a)));
    }

    private readonly record struct Entry(long Ticks, byte[] Data, int Length, PathFate Fate);
}
