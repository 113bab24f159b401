using System.Buffers.Binary;
using System.Text;

namespace NetLab.Wire;

/// <summary>
/// pcapng, the file Wireshark and tshark open (draft-ietf-opsawg-pcapng): a section header, one interface of raw IP
/// (LINKTYPE_RAW, 101) with nanosecond timestamps, then an enhanced packet block per packet, its comment as the
/// packet's opt_comment. Written little-endian; read back from this writer and from tshark's own files
/// (raw IP, Ethernet or Linux cooked captures).
/// </summary>
public static class Pcapng
{
    /// <summary>The media type to serve it as.</summary>
    public const string ContentType = "application/x-pcapng";

    private const uint SectionHeader = 0x0A0D0D0A;
    private const uint InterfaceDescription = 1;
    private const uint EnhancedPacket = 6;
    private const uint SimplePacket = 3;
    private const uint ByteOrderMagic = 0x1A2B3C4D;
    private const ushort LinkTypeRaw = 101;
    private const ushort LinkTypeEthernet = 1;
    private const ushort LinkTypeLinuxCooked = 113;
    private const ushort LinkTypeIpv4 = 228;
    private const ushort LinkTypeIpv6 = 229;

    /// <summary>Writes <paramref name="packets"/> as one pcapng section; <paramref name="interfaceName"/> names where they were seen.</summary>
    public static void Write(Stream output, IEnumerable<WirePacket> packets, string interfaceName = "netlab")
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(packets);
        var block = new BlockWriter();

        // Section header: byte-order magic, version 1.0, section length unknown (-1).
        block.Start(SectionHeader);
        block.U32(ByteOrderMagic);
        block.U16(1);
        block.U16(0);
        block.U64(ulong.MaxValue);
        block.Option(4, Encoding.UTF8.GetBytes("netlab")); // shb_userappl
        block.EndOptions();
        block.Finish(output);

        // One interface: raw IP, no snap length limit, nanosecond timestamps.
        block.Start(InterfaceDescription);
        block.U16(LinkTypeRaw);
        block.U16(0);
        block.U32(0);
        block.Option(2, Encoding.UTF8.GetBytes(interfaceName)); // if_name
        block.Option(9, [9]); // if_tsresol: 10^-9 s
        block.EndOptions();
        block.Finish(output);

        foreach (var packet in packets)
        {
            var nanoseconds = (ulong)(packet.TimestampUtc.Ticks - DateTime.UnixEpoch.Ticks) * 100;
            block.Start(EnhancedPacket);
            block.U32(0);
            block.U32((uint)(nanoseconds >> 32));
            block.U32((uint)nanoseconds);
            block.U32((uint)packet.Data.Length);
            block.U32((uint)packet.OriginalLength);
            block.Bytes(packet.Data);
            if (packet.Comment is { } comment)
            {
                block.Option(1, Encoding.UTF8.GetBytes(comment)); // opt_comment
                block.EndOptions();
            }

            block.Finish(output);
        }
    }

    /// <summary>The packets of <paramref name="packets"/> as pcapng bytes.</summary>
    public static byte[] ToBytes(IEnumerable<WirePacket> packets, string interfaceName = "netlab")
    {
        using var memory = new MemoryStream();
        Write(memory, packets, interfaceName);
        return memory.ToArray();
    }

    /// <summary>Reads every packet of every section; throws <see cref="InvalidDataException"/> for what is not pcapng.</summary>
    public static List<WirePacket> Read(ReadOnlySpan<byte> file)
    {
        var packets = new List<WirePacket>();
        var interfaces = new List<(ushort LinkType, long UnitsPerSecond)>();
        var bigEndian = false;
        var at = 0;
        while (at < file.Length)
        {
            if (file.Length - at < 12)
            {
                throw new InvalidDataException($"pcapng: {file.Length - at} stray bytes at the end");
            }

            var type = BinaryPrimitives.ReadUInt32LittleEndian(file[at..]);
            if (type == SectionHeader)
            {
                var magic = BinaryPrimitives.ReadUInt32LittleEndian(file[(at + 8)..]);
                bigEndian = magic switch
                {
                    ByteOrderMagic => false,
                    0x4D3C2B1A => true,
                    _ => throw new InvalidDataException("pcapng: bad byte-order magic"),
                };
                interfaces.Clear();
            }
            else if (at == 0)
            {
                throw new InvalidDataException("not a pcapng file (no section header block)");
            }

            var length = (int)U32(file[(at + 4)..], bigEndian);
            if (length < 12 || length % 4 != 0 || length > file.Length - at)
            {
                throw new InvalidDataException($"pcapng: a block at byte {at} has length {length}");
            }

            var body = file.Slice(at + 8, length - 12);
            switch (U32(file[at..], bigEndian))
            {
                case InterfaceDescription:
                    interfaces.Add(ReadInterface(body, bigEndian));
                    break;
                case EnhancedPacket:
                    {
                        var id = (int)U32(body, bigEndian);
                        if (id >= interfaces.Count)
                        {
                            throw new InvalidDataException($"pcapng: a packet names interface {id}, which is not described");
                        }

                        var (linkType, unitsPerSecond) = interfaces[id];
                        var units = ((ulong)U32(body[4..], bigEndian) << 32) | U32(body[8..], bigEndian);
                        var captured = (int)U32(body[12..], bigEndian);
                        var original = (int)U32(body[16..], bigEndian);
                        var data = body.Slice(20, captured);
                        var comment = ReadComment(body[(20 + Pad(captured))..], bigEndian);
                        var ticks = (long)(units / (ulong)unitsPerSecond) * TimeSpan.TicksPerSecond
                            + (long)(units % (ulong)unitsPerSecond * TimeSpan.TicksPerSecond / (ulong)unitsPerSecond);
                        if (StripLink(linkType, data) is { } ip)
                        {
                            packets.Add(new WirePacket(DateTime.UnixEpoch.AddTicks(ticks), ip.ToArray(), original - (captured - ip.Length), comment));
                        }

                        break;
                    }

                case SimplePacket when interfaces.Count > 0:
                    {
                        var original = (int)U32(body, bigEndian);
                        var data = body.Slice(4, Math.Min(original, body.Length - 4));
                        if (StripLink(interfaces[0].LinkType, data) is { } ip)
                        {
                            packets.Add(new WirePacket(DateTime.UnixEpoch, ip.ToArray(), original - (data.Length - ip.Length)));
                        }

                        break;
                    }
            }

            at += length;
        }

        return packets;
    }

    private static (ushort, long) ReadInterface(ReadOnlySpan<byte> body, bool bigEndian)
    {
        var linkType = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(body) : BinaryPrimitives.ReadUInt16LittleEndian(body);
        long unitsPerSecond = 1_000_000;
        var options = body[8..];
        while (options.Length >= 4)
        {
            var code = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(options) : BinaryPrimitives.ReadUInt16LittleEndian(options);
            var length = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(options[2..]) : BinaryPrimitives.ReadUInt16LittleEndian(options[2..]);
            if (code == 0 || options.Length < 4 + length)
            {
                break;
            }

            if (code == 9 && length >= 1)
            {
                var resolution = options[4];
                unitsPerSecond = (resolution & 0x80) != 0 ? 1L << (resolution & 0x7f) : (long)Math.Pow(10, resolution & 0x7f);
            }

            options = options[(4 + Pad(length))..];
        }

        return (linkType, unitsPerSecond);
    }

    private static string? ReadComment(ReadOnlySpan<byte> options, bool bigEndian)
    {
        while (options.Length >= 4)
        {
            var code = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(options) : BinaryPrimitives.ReadUInt16LittleEndian(options);
            var length = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(options[2..]) : BinaryPrimitives.ReadUInt16LittleEndian(options[2..]);
            if (code == 0 || options.Length < 4 + length)
            {
                return null;
            }

            if (code == 1)
            {
                return Encoding.UTF8.GetString(options.Slice(4, length));
            }

            options = options[(4 + Pad(length))..];
        }

        return null;
    }

    private static ReadOnlySpan<byte> StripLink(ushort linkType, ReadOnlySpan<byte> frame) => linkType switch
    {
        LinkTypeRaw or LinkTypeIpv4 or LinkTypeIpv6 => frame,
        LinkTypeEthernet when frame.Length >= 14 && BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) is 0x0800 or 0x86DD => frame[14..],
        LinkTypeLinuxCooked when frame.Length >= 16 && BinaryPrimitives.ReadUInt16BigEndian(frame[14..]) is 0x0800 or 0x86DD => frame[16..],
        _ => default,
    };

    private static uint U32(ReadOnlySpan<byte> bytes, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt32LittleEndian(bytes);

    private static int Pad(int length) => (length + 3) & ~3;

    /// <summary>Builds one block in a reusable buffer: its body, then both length fields filled in.</summary>
    private sealed class BlockWriter
    {
        private byte[] _buffer = new byte[512];
        private int _length;

        public void Start(uint type)
        {
            _length = 0;
            U32(type);
            U32(0); // total length, filled in by Finish
        }

        public void U16(ushort value)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(Room(2), value);
            _length += 2;
        }

        public void U32(uint value)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(Room(4), value);
            _length += 4;
        }

        public void U64(ulong value)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(Room(8), value);
            _length += 8;
        }

        /// <summary>Bytes, padded to 32 bits with zeros.</summary>
        public void Bytes(ReadOnlySpan<byte> bytes)
        {
            var padded = Pad(bytes.Length);
            var room = Room(padded);
            bytes.CopyTo(room);
            room[bytes.Length..padded].Clear();
            _length += padded;
        }

        public void Option(ushort code, ReadOnlySpan<byte> value)
        {
            U16(code);
            U16((ushort)value.Length);
            Bytes(value);
        }

        public void EndOptions() => U32(0);

        public void Finish(Stream output)
        {
            var total = (uint)(_length + 4);
            U32(total);
            BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(4), total);
            output.Write(_buffer, 0, _length);
        }

        private Span<byte> Room(int bytes)
        {
            if (_length + bytes > _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + bytes));
            }

            return _buffer.AsSpan(_length, bytes);
        }
    }
}
