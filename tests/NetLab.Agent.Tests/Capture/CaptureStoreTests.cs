using System.Buffers.Binary;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using NetLab.Agent.Capture;
using NetLab.Wire;

namespace NetLab.Agent.Tests.Capture;

/// <summary>The store's bounds: per address, in total, and in time; sequence numbers, ports and the fetches left out.</summary>
public sealed class CaptureStoreTests : IDisposable
{
    private const int AgentPort = 11211;

    /// <summary>A packet of 20 + 20 header bytes and 64 of payload: a 128-byte record, 128 to a chunk.</summary>
    private const int PerChunk = CaptureStore.ChunkBytes / 128;

    private static readonly IPAddress A = IPAddress.Parse("198.51.100.7");
    private static readonly IPAddress B = IPAddress.Parse("203.0.113.9");

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
    private CaptureStore _store = null!;

    public void Dispose() => _store.Dispose();

    [Fact]
    public void An_address_at_its_cap_loses_its_own_oldest_packets_first()
    {
        Start(perAddress: 2 * CaptureStore.ChunkBytes, total: 64 * CaptureStore.ChunkBytes);
        Add(A, 40000, count: (2 * PerChunk) + 10);
        Add(B, 40001, count: 5);

        var kept = _store.Read(A);
        Assert.Equal((2 * PerChunk) + 10, kept[^1].Sequence); // the newest is there
        Assert.Equal(PerChunk + 1, kept[0].Sequence); // its first chunk went for its third
        Assert.Equal(PerChunk + 10, kept.Count);
        Assert.Equal(5, _store.Read(B).Count); // another address keeps its own
        Assert.Equal(3L * CaptureStore.ChunkBytes, _store.BytesHeld);
    }

    [Fact]
    public void At_the_total_the_globally_oldest_chunk_goes_whoever_holds_it()
    {
        Start(perAddress: 64 * CaptureStore.ChunkBytes, total: 3 * CaptureStore.ChunkBytes);
        Add(A, 40000, count: 2 * PerChunk); // A: chunks 1 and 2
        Add(B, 40001, count: PerChunk); // B: chunk 3, the total reached
        Add(B, 40001, count: 1); // B needs a fourth: A's oldest goes

        Assert.Equal(PerChunk, _store.Read(A).Count);
        Assert.Equal(PerChunk + 1, _store.Read(A)[0].Sequence);
        Assert.Equal(PerChunk + 1, _store.Read(B).Count);
        Assert.Equal(3L * CaptureStore.ChunkBytes, _store.BytesHeld);

        Add(A, 40000, count: 1); // A needs one more: the globally oldest is now A's own second chunk
        Assert.Single(_store.Read(A));
        Assert.Equal(PerChunk + 1, _store.Read(B).Count);
        Assert.Equal(2, _store.Addresses);
    }

    [Fact]
    public void Packets_expire_after_the_lifetime_when_served_and_in_memory()
    {
        Start(perAddress: 4 * CaptureStore.ChunkBytes, total: 64 * CaptureStore.ChunkBytes);
        Add(A, 40000, count: 3);
        _time.Advance(TimeSpan.FromMinutes(6));
        Add(B, 40001, count: 3);
        _time.Advance(TimeSpan.FromMinutes(5)); // A's are 11 minutes old, B's 5

        Assert.Empty(_store.Read(A));
        Assert.Equal(3, _store.Read(B).Count);
        _store.Sweep();
        Assert.Equal(1, _store.Addresses);
        Assert.Equal(CaptureStore.ChunkBytes, _store.BytesHeld);

        _time.Advance(TimeSpan.FromMinutes(6)); // the store's own sweep runs on its timer
        Assert.Equal(0, _store.Addresses);
        Assert.Equal(0, _store.BytesHeld);
    }

    [Fact]
    public void Reads_count_from_since_pick_one_port_and_leave_out_the_fetches()
    {
        Start(perAddress: 4 * CaptureStore.ChunkBytes, total: 64 * CaptureStore.ChunkBytes);
        Add(A, 40000, count: 3);
        Add(A, 40002, count: 2); // a /capture fetch
        Add(A, 40000, count: 1, toClient: true);
        _store.RememberFetcher(A, 40002);

        Assert.Equal(4, _store.Read(A).Count);
        Assert.Equal([6L], _store.Read(A, since: 3).Select(p => p.Sequence)); // after 3, and not the fetch's 4 and 5
        Assert.Equal(2, _store.Read(A, port: 40002).Count); // asked for by port, it is shown
        Assert.Equal(4, _store.Read(IPAddress.Parse("::ffff:198.51.100.7")).Count); // one address, however written
        var reply = _store.Read(A)[^1].Packet;
        Assert.Equal((AgentPort, 40000), (reply.SourcePort, reply.DestinationPort));
        Assert.Equal(64, reply.Payload.Length);
        Assert.Equal(1000 + 40, reply.OriginalLength);
    }

    private void Start(long perAddress, long total) =>
        _store = new CaptureStore(new AgentLimits { CaptureBytesPerAddress = perAddress, CaptureBytes = total }, _time);

    private void Add(IPAddress client, int port, int count, bool toClient = false)
    {
        _store.SetPorts(AgentPort, AgentPort);
        for (var i = 0; i < count; i++)
        {
            var packet = TcpPacket(client, port, toClient);
            _store.Add(packet.AsSpan(0, WirePacket.KeepLength(packet)), WirePacket.WireLength(packet), _time.GetUtcNow().UtcTicks);
        }
    }

    /// <summary>An IPv4 TCP packet between the client and 10.0.0.5:11211 with 1,000 bytes of payload (only the first 64 kept).</summary>
    private static byte[] TcpPacket(IPAddress client, int port, bool toClient)
    {
        var p = new byte[20 + 20 + 1000];
        p[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)p.Length);
        p[9] = 6;
        var agent = IPAddress.Parse("10.0.0.5").GetAddressBytes();
        var clientBytes = client.GetAddressBytes();
        (toClient ? agent : clientBytes).CopyTo(p, 12);
        (toClient ? clientBytes : agent).CopyTo(p, 16);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(20), (ushort)(toClient ? AgentPort : port));
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(22), (ushort)(toClient ? port : AgentPort));
        p[32] = 0x50;
        p[33] = 0x18;
        return p;
    }
}
