using System.Buffers.Binary;
using System.Net;
using NetLab.Wire;

namespace NetLab.Agent.Capture;

/// <summary>The store's parts: its chunks, its owners (one per client address), and the keys they are found by.</summary>
internal sealed partial class CaptureStore
{
    /// <summary>One chunk of packet records, on the global list (by allocation time) and in its owner's queue.</summary>
    private sealed class Chunk
    {
        public byte[] Data { get; } = new byte[ChunkBytes];

        public int Used { get; set; }

        public long NewestTicks { get; set; }

        public Owner Owner { get; set; } = null!;

        public Chunk? Older { get; set; }

        public Chunk? Newer { get; set; }

        public Chunk? NextOfOwner { get; set; }

        public Chunk? PreviousOfOwner { get; set; }
    }

    /// <summary>One client address: its chunks, oldest first, and the client ports of its /capture fetches.</summary>
    private sealed class Owner(AddressKey key)
    {
        public AddressKey Key => key;

        public Chunk? Oldest { get; private set; }

        public Chunk? Newest { get; private set; }

        public int Count { get; private set; }

        public List<int> Fetchers { get; } = [];

        public void Append(Chunk chunk)
        {
            chunk.PreviousOfOwner = Newest;
            chunk.NextOfOwner = null;
            if (Newest is not null)
            {
                Newest.NextOfOwner = chunk;
            }

            Newest = chunk;
            Oldest ??= chunk;
            Count++;
        }

        public void Remove(Chunk chunk)
        {
            if (chunk.PreviousOfOwner is null)
            {
                Oldest = chunk.NextOfOwner;
            }
            else
            {
                chunk.PreviousOfOwner.NextOfOwner = chunk.NextOfOwner;
            }

            if (chunk.NextOfOwner is null)
            {
                Newest = chunk.PreviousOfOwner;
            }
            else
            {
                chunk.NextOfOwner.PreviousOfOwner = chunk.PreviousOfOwner;
            }

            chunk.PreviousOfOwner = chunk.NextOfOwner = null;
            Count--;
        }
    }
}

/// <summary>A captured packet and its sequence number.</summary>
internal readonly record struct CapturedPacket(long Sequence, WirePacket Packet);

/// <summary>An address as 16 bytes (IPv4 as IPv4-mapped IPv6): a dictionary key that costs no allocation.</summary>
internal readonly record struct AddressKey(ulong High, ulong Low)
{
    public static AddressKey FromIPv4(ReadOnlySpan<byte> v4) => new(0, 0xffff_0000_0000UL | BinaryPrimitives.ReadUInt32BigEndian(v4));

    public static AddressKey FromIPv6(ReadOnlySpan<byte> v6) => new(BinaryPrimitives.ReadUInt64BigEndian(v6), BinaryPrimitives.ReadUInt64BigEndian(v6[8..]));

    public static AddressKey From(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        address.MapToIPv6().TryWriteBytes(bytes, out _);
        return FromIPv6(bytes);
    }
}
