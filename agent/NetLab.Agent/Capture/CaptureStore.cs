using System.Buffers.Binary;
using System.Net;
using NetLab.Wire;

namespace NetLab.Agent.Capture;

/// <summary>
/// The captured packets, kept per client address (the side of each packet that is not the agent's port), in memory
/// only, bounded per address and in total, for <see cref="AgentLimits.CaptureLifetime"/>. Packets are copied into
/// chunks of <see cref="ChunkBytes"/>, allocated in time order on one global list; each address has its own queue of
/// chunks. An address at its cap reuses its own oldest chunk; when the total is reached the globally oldest chunk is
/// taken from whoever holds it; a sweep drops chunks whose newest packet is older than the lifetime, and serving
/// leaves such packets out too. In the steady state adding a packet allocates nothing. Every packet has a sequence
/// number, global and increasing, which <c>/capture?since=</c> counts from.
/// </summary>
internal sealed partial class CaptureStore : IDisposable
{
    /// <summary>Bytes in one chunk.</summary>
    public const int ChunkBytes = 16 * 1024;

    /// <summary>A record's header: sequence (8), timestamp ticks (8), wire length (4), kept length (1), protocol (1), client port (2).</summary>
    private const int RecordHeader = 24;

    /// <summary>Client ports of connections that fetched /capture, remembered per address (the oldest forgotten first).</summary>
    private const int MaxFetchersPerAddress = 64;

    private readonly Lock _gate = new();
    private readonly Dictionary<AddressKey, Owner> _owners = [];
    private readonly TimeProvider _time;
    private readonly long _lifetimeTicks;
    private readonly int _chunksPerAddress;
    private readonly int _chunksTotal;
    private readonly ITimer _sweep;
    private Chunk? _oldest;
    private Chunk? _newest;
    private int _chunks;
    private long _sequence;
    private int _tcpPort = -1;
    private int _udpPort = -1;

    public CaptureStore(AgentLimits limits, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _time = time;
        _lifetimeTicks = limits.CaptureLifetime.Ticks;
        _chunksPerAddress = (int)Math.Max(1, limits.CaptureBytesPerAddress / ChunkBytes);
        _chunksTotal = (int)Math.Max(1, limits.CaptureBytes / ChunkBytes);
        var every = TimeSpan.FromTicks(Math.Clamp(_lifetimeTicks / 10, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
        _sweep = time.CreateTimer(static store => ((CaptureStore)store!).Sweep(), this, every, every);
    }

    /// <summary>Bytes held in chunks (what the capture buffers cost), for /health on loopback.</summary>
    public long BytesHeld
    {
        get
        {
            lock (_gate)
            {
                return (long)_chunks * ChunkBytes;
            }
        }
    }

    /// <summary>Client addresses with packets kept.</summary>
    public int Addresses
    {
        get
        {
            lock (_gate)
            {
                return _owners.Count;
            }
        }
    }

    /// <summary>Packets added since the start.</summary>
    public long Packets => Interlocked.Read(ref _sequence);

    /// <summary>The agent's own ports: a packet's other side is its client.</summary>
    public void SetPorts(int tcpPort, int udpPort)
    {
        _tcpPort = tcpPort;
        _udpPort = udpPort;
    }

    /// <summary>
    /// Keeps one packet: <paramref name="packet"/> from its IP header on, already cut to <see cref="WirePacket.KeepLength"/>;
    /// <paramref name="wireLength"/> its length on the wire; <paramref name="ticks"/> when the kernel saw it (UTC).
    /// A packet not TCP or UDP on the agent's ports is ignored.
    /// </summary>
    public void Add(ReadOnlySpan<byte> packet, int wireLength, long ticks)
    {
        if (packet.Length > 255 || !TryClient(packet, out var key, out var protocol, out var clientPort))
        {
            return;
        }

        var size = (RecordHeader + packet.Length + 7) & ~7;
        lock (_gate)
        {
            if (!_owners.TryGetValue(key, out var owner))
            {
                _owners[key] = owner = new Owner(key);
            }

            var chunk = owner.Newest;
            if (chunk is null || chunk.Used + size > ChunkBytes)
            {
                chunk = NewChunk(owner);
            }

            var record = chunk.Data.AsSpan(chunk.Used, size);
            var sequence = Interlocked.Increment(ref _sequence);
            BinaryPrimitives.WriteInt64LittleEndian(record, sequence);
            BinaryPrimitives.WriteInt64LittleEndian(record[8..], ticks);
            BinaryPrimitives.WriteInt32LittleEndian(record[16..], Math.Max(wireLength, packet.Length));
            record[20] = (byte)packet.Length;
            record[21] = (byte)protocol;
            BinaryPrimitives.WriteUInt16LittleEndian(record[22..], (ushort)clientPort);
            packet.CopyTo(record[RecordHeader..]);
            chunk.Used += size;
            chunk.NewestTicks = ticks;
        }
    }

    /// <summary>Remembers that <paramref name="address"/>'s TCP connection from <paramref name="port"/> fetched /capture: later answers leave it out.</summary>
    public void RememberFetcher(IPAddress address, int port)
    {
        var key = AddressKey.From(address);
        lock (_gate)
        {
            if (!_owners.TryGetValue(key, out var owner))
            {
                _owners[key] = owner = new Owner(key);
            }

            if (!owner.Fetchers.Contains(port))
            {
                if (owner.Fetchers.Count == MaxFetchersPerAddress)
                {
                    owner.Fetchers.RemoveAt(0);
                }

                owner.Fetchers.Add(port);
            }
        }
    }

    /// <summary>
    /// <paramref name="address"/>'s packets of the lifetime, in time order: those after sequence <paramref name="since"/>;
    /// with <paramref name="port"/>, only its connection (TCP or UDP) by its client port (<paramref name="protocol"/>:
    /// only that transport); without it, all but the connections that fetched /capture.
    /// </summary>
    public List<CapturedPacket> Read(IPAddress address, long since = 0, int? port = null, WireProtocol? protocol = null)
    {
        var key = AddressKey.From(address);
        var found = new List<CapturedPacket>();
        var oldest = _time.GetUtcNow().UtcTicks - _lifetimeTicks;
        lock (_gate)
        {
            if (!_owners.TryGetValue(key, out var owner))
            {
                return found;
            }

            for (var chunk = owner.Oldest; chunk is not null; chunk = chunk.NextOfOwner)
            {
                var data = chunk.Data.AsSpan(0, chunk.Used);
                for (var at = 0; at < data.Length;)
                {
                    var record = data[at..];
                    var length = record[20];
                    at += (RecordHeader + length + 7) & ~7;
                    var sequence = BinaryPrimitives.ReadInt64LittleEndian(record);
                    var ticks = BinaryPrimitives.ReadInt64LittleEndian(record[8..]);
                    var recordProtocol = (WireProtocol)record[21];
                    var clientPort = BinaryPrimitives.ReadUInt16LittleEndian(record[22..]);
                    if (sequence <= since || ticks < oldest
                        || (port is { } p ? clientPort != p : recordProtocol == WireProtocol.Tcp && owner.Fetchers.Contains(clientPort))
                        || (protocol is { } only && only != recordProtocol))
                    {
                        continue;
                    }

                    var wire = new WirePacket(new DateTime(ticks, DateTimeKind.Utc), record.Slice(RecordHeader, length).ToArray(), BinaryPrimitives.ReadInt32LittleEndian(record[16..]));
                    found.Add(new CapturedPacket(sequence, wire));
                }
            }
        }

        return found;
    }

    /// <summary>Drops the chunks whose newest packet is older than the lifetime, and the addresses left with none.</summary>
    public void Sweep()
    {
        var oldest = _time.GetUtcNow().UtcTicks - _lifetimeTicks;
        lock (_gate)
        {
            for (var chunk = _oldest; chunk is not null;)
            {
                var next = chunk.Newer;
                if (chunk.NewestTicks < oldest)
                {
                    Detach(chunk);
                    _chunks--;
                }

                chunk = next;
            }

            foreach (var (key, owner) in _owners)
            {
                if (owner.Oldest is null)
                {
                    _owners.Remove(key);
                }
            }
        }
    }

    public void Dispose() => _sweep.Dispose();

    /// <summary>A chunk for <paramref name="owner"/>'s next packets: its own oldest at its cap, the globally oldest at the total, else a new one.</summary>
    private Chunk NewChunk(Owner owner)
    {
        Chunk chunk;
        if (owner.Count >= _chunksPerAddress)
        {
            chunk = owner.Oldest!;
            Detach(chunk);
        }
        else if (_chunks >= _chunksTotal)
        {
            chunk = _oldest!;
            var previous = chunk.Owner;
            Detach(chunk);
            if (previous.Oldest is null && previous != owner)
            {
                _owners.Remove(previous.Key);
            }
        }
        else
        {
            chunk = new Chunk();
            _chunks++;
        }

        chunk.Used = 0;
        chunk.NewestTicks = 0;
        chunk.Owner = owner;
        owner.Append(chunk);
        chunk.Older = _newest;
        chunk.Newer = null;
        if (_newest is not null)
        {
            _newest.Newer = chunk;
        }

        _newest = chunk;
        _oldest ??= chunk;
        return chunk;
    }

    /// <summary>Takes <paramref name="chunk"/> out of the global list and out of its owner's queue.</summary>
    private void Detach(Chunk chunk)
    {
        if (chunk.Older is null)
        {
            _oldest = chunk.Newer;
        }
        else
        {
            chunk.Older.Newer = chunk.Newer;
        }

        if (chunk.Newer is null)
        {
            _newest = chunk.Older;
        }
        else
        {
            chunk.Newer.Older = chunk.Older;
        }

        chunk.Older = chunk.Newer = null;
        chunk.Owner.Remove(chunk);
    }

    /// <summary>
    /// The client side of a packet: the address and port that are not the agent's port (IPv4 as IPv4-mapped IPv6, so
    /// both spellings of an address are one key), and its transport. False when it is not TCP or UDP on the agent's ports.
    /// </summary>
    internal bool TryClient(ReadOnlySpan<byte> p, out AddressKey key, out WireProtocol protocol, out int clientPort)
    {
        key = default;
        clientPort = 0;
        int offset;
        (protocol, offset) = WirePacket.Locate(p);
        if (protocol == WireProtocol.Other)
        {
            return false;
        }

        var v4 = p[0] >> 4 == 4;
        var agentPort = protocol == WireProtocol.Tcp ? _tcpPort : _udpPort;
        var source = BinaryPrimitives.ReadUInt16BigEndian(p[offset..]);
        var destination = BinaryPrimitives.ReadUInt16BigEndian(p[(offset + 2)..]);
        bool clientIsSource;
        if (destination == agentPort)
        {
            clientIsSource = true;
        }
        else if (source == agentPort)
        {
            clientIsSource = false;
        }
        else
        {
            return false;
        }

        clientPort = clientIsSource ? source : destination;
        key = v4
            ? AddressKey.FromIPv4(p.Slice(clientIsSource ? 12 : 16, 4))
            : AddressKey.FromIPv6(p.Slice(clientIsSource ? 8 : 24, 16));
        return true;
    }
}
