using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NetLab.Wire;

namespace NetLab.Agent.Capture;

/// <summary>
/// Records the agent's own lab port's packets: an <c>AF_PACKET</c> <c>SOCK_DGRAM</c> socket (packets from the IP
/// header on, whatever the link: loopback, Ethernet, veth, TUN) for every protocol, with <see cref="CaptureFilter"/>
/// attached so the kernel hands over only the lab port's TCP and UDP, at most 184 bytes of each, and a
/// <c>TPACKET_V2</c> receive ring shared with the kernel: packets arrive with the kernel's own nanosecond timestamps
/// and cost no system call each (one poll wakes the reader for all the frames ready). The reader copies each packet,
/// cut to <see cref="WirePacket.KeepLength"/>, into the <see cref="CaptureStore"/> and hands the frame back.
/// </summary>
internal sealed unsafe partial class PacketCapture : IDisposable
{
    /// <summary>Bytes of one ring frame: the 32-byte frame header and link address (80 bytes in all), then the 184 captured.</summary>
    public const int FrameBytes = 512;

    /// <summary>Frames in the ring (2 MiB): at 64 KiB loopback segments and their ACKs, some tens of milliseconds of bulk traffic.</summary>
    public const int FrameCount = 4096;

    /// <summary>How long the reader lets frames gather after draining.</summary>
    private const int BatchMilliseconds = 10;

    private const int BlockBytes = 64 * 1024;
    private const int PacketFamily = 17; // AF_PACKET
    private const int Datagram = 2; // SOCK_DGRAM
    private const int CloseOnExec = 0x80000;
    private const ushort AllProtocols = 0x0300; // htons(ETH_P_ALL)
    private const int SolSocket = 1;
    private const int SolPacket = 263;
    private const int AttachFilter = 26; // SO_ATTACH_FILTER
    private const int PacketVersion = 10;
    private const int PacketRxRing = 5;
    private const int TpacketV2 = 1;
    private const uint StatusUser = 1; // TP_STATUS_USER
    private const short PollIn = 0x0001;
    private const int PacketStatistics = 6; // PACKET_STATISTICS
    private const int PermissionDenied = 1; // EPERM
    private const int AccessDenied = 13; // EACCES
    private const int FamilyNotSupported = 97; // EAFNOSUPPORT: a seccomp filter such as systemd's RestrictAddressFamilies

    private readonly int _fd;
    private readonly byte* _ring;
    private readonly CaptureStore _store;
    private readonly Lock _drain = new();
    private readonly Thread _reader;
    private volatile bool _stopping;
    private int _next;
    private long _dropped;
    private int _disposed;

    private PacketCapture(int fd, byte* ring, CaptureStore store)
    {
        _fd = fd;
        _ring = ring;
        _store = store;
        _reader = new Thread(Read) { IsBackground = true, Name = "netlab capture" };
        _reader.Start();
    }

    /// <summary>
    /// Starts capturing the agent's TCP port <paramref name="tcpPort"/> and UDP port <paramref name="udpPort"/> into
    /// <paramref name="store"/>; null, with <paramref name="off"/> saying why, when this process may not.
    /// </summary>
    public static PacketCapture? TryStart(int tcpPort, int udpPort, CaptureStore store, out string? off)
    {
        ArgumentNullException.ThrowIfNull(store);
        off = null;
        if (!OperatingSystem.IsLinux())
        {
            off = "capture is off: needs Linux (AF_PACKET)";
            return null;
        }

        // Protocol 0 receives nothing until bind: the filter is in place before the first packet.
        var fd = Socket(PacketFamily, Datagram | CloseOnExec, 0);
        if (fd < 0)
        {
            var error = Marshal.GetLastPInvokeError();
            off = error switch
            {
                PermissionDenied or AccessDenied => "capture is off: needs CAP_NET_RAW",
                FamilyNotSupported => "capture is off: needs AF_PACKET, which this process may not use (systemd's RestrictAddressFamilies must list it)",
                _ => $"capture is off: cannot open a packet socket ({Marshal.GetPInvokeErrorMessage(error)})",
            };
            return null;
        }

        var ring = (byte*)-1;
        try
        {
            var version = TpacketV2;
            Check(SetOption(fd, SolPacket, PacketVersion, &version, sizeof(int)), "PACKET_VERSION");
            var request = new RingRequest { BlockSize = BlockBytes, BlockCount = FrameBytes * FrameCount / BlockBytes, FrameSize = FrameBytes, FrameCount = FrameCount };
            Check(SetOption(fd, SolPacket, PacketRxRing, &request, (uint)sizeof(RingRequest)), "PACKET_RX_RING");
            ring = (byte*)Map(0, FrameBytes * FrameCount, 3 /* PROT_READ | PROT_WRITE */, 1 /* MAP_SHARED */, fd, 0);
            if (ring == (byte*)-1)
            {
                Check(-1, "mmap");
            }

            var loopback = InterfaceIndex("lo");
            var program = CaptureFilter.Build(tcpPort, udpPort, loopback == 0 ? 1 : (int)loopback);
            fixed (SocketFilter* instructions = program)
            {
                var filter = new FilterProgram { Length = (ushort)program.Length, Instructions = instructions };
                Check(SetOption(fd, SolSocket, AttachFilter, &filter, (uint)sizeof(FilterProgram)), "SO_ATTACH_FILTER");
            }

            var address = new LinkAddress { Family = PacketFamily, Protocol = AllProtocols };
            Check(BindLink(fd, &address, (uint)sizeof(LinkAddress)), "bind");
        }
        catch (IOException e)
        {
            if (ring != (byte*)-1)
            {
                _ = Unmap(ring, FrameBytes * FrameCount);
            }

            _ = Close(fd);
            off = $"capture is off: {e.Message}";
            return null;
        }

        store.SetPorts(tcpPort, udpPort);
        return new PacketCapture(fd, ring, store);
    }

    /// <summary>
    /// Moves every packet the kernel has put in the ring into the store, now: a request for /capture calls it first, so
    /// the packets of what its client did before asking are all there.
    /// </summary>
    public void Drain()
    {
        lock (_drain)
        {
            if (Volatile.Read(ref _disposed) == 1)
            {
                return;
            }

            for (var i = 0; i < FrameCount; i++)
            {
                var frame = _ring + ((long)_next * FrameBytes);
                ref var status = ref Unsafe.AsRef<uint>(frame);
                if ((Volatile.Read(ref status) & StatusUser) == 0)
                {
                    return;
                }

                var header = (FrameHeader*)frame;
                var packet = new ReadOnlySpan<byte>(frame + header->Net, (int)Math.Min(header->SnapLength, FrameBytes - header->Net));
                var wire = WirePacket.WireLength(packet);
                var ticks = DateTime.UnixEpoch.Ticks + (header->Seconds * TimeSpan.TicksPerSecond) + (header->Nanoseconds / 100);
                _store.Add(packet[..WirePacket.KeepLength(packet)], wire == 0 ? (int)header->Length : wire, ticks);
                Volatile.Write(ref status, 0); // TP_STATUS_KERNEL: the frame is the kernel's again
                _next = (_next + 1) % FrameCount;
            }
        }
    }

    /// <summary>Packets the kernel could not hand over since the start (the ring was full): the capture missed them, the connections did not.</summary>
    public long Dropped
    {
        get
        {
            lock (_drain)
            {
                if (Volatile.Read(ref _disposed) == 0)
                {
                    // PACKET_STATISTICS counts since the last time it was read.
                    var stats = default(RingStatistics);
                    var length = (uint)sizeof(RingStatistics);
                    if (GetOption(_fd, SolPacket, PacketStatistics, &stats, &length) == 0)
                    {
                        _dropped += stats.Dropped;
                    }
                }

                return _dropped;
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _reader.Join(TimeSpan.FromSeconds(2));
        lock (_drain)
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _ = Unmap(_ring, FrameBytes * FrameCount);
                _ = Close(_fd);
            }
        }
    }

    /// <summary>
    /// The reader thread: wait for frames (at most 200 ms, so stopping never hangs), drain them, then let the next ones
    /// gather for <see cref="BatchMilliseconds"/>: under bulk traffic the thread wakes 100 times a second, not once per
    /// packet (the ring holds 4,096 frames: 10 ms of 400,000 packets a second). Nothing waits for it: /capture and /wire
    /// drain the ring themselves first.
    /// </summary>
    private void Read()
    {
        while (!_stopping)
        {
            var poll = new PollRequest { Fd = _fd, Events = PollIn };
            if (Poll(&poll, 1, 200) > 0)
            {
                Drain();
                Thread.Sleep(BatchMilliseconds);
            }
        }
    }

    private static void Check(int result, string what)
    {
        if (result < 0)
        {
            throw new IOException($"{what} failed ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())})");
        }
    }

    /// <summary>struct tpacket2_hdr.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct FrameHeader
    {
        public uint Status;
        public uint Length;
        public uint SnapLength;
        public ushort Mac;
        public ushort Net;
        public uint Seconds;
        public uint Nanoseconds;
        public ushort VlanTci;
        public ushort VlanTpid;
        public uint Padding;
    }

    /// <summary>struct tpacket_stats.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct RingStatistics
    {
        public uint Packets;
        public uint Dropped;
    }

    /// <summary>struct tpacket_req.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct RingRequest
    {
        public uint BlockSize;
        public uint BlockCount;
        public uint FrameSize;
        public uint FrameCount;
    }

    /// <summary>struct sock_fprog.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct FilterProgram
    {
        public ushort Length;
        public SocketFilter* Instructions;
    }

    /// <summary>struct sockaddr_ll.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct LinkAddress
    {
        public ushort Family;
        public ushort Protocol;
        public int InterfaceIndex;
        public ushort HardwareType;
        public byte PacketType;
        public byte AddressLength;
        public ulong Address;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollRequest
    {
        public int Fd;
        public short Events;
        public short Returned;
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static partial int SetOption(int fd, int level, int name, void* value, uint length);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    private static partial int GetOption(int fd, int level, int name, void* value, uint* length);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    private static partial int BindLink(int fd, LinkAddress* address, uint length);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Map(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Unmap(void* address, nuint length);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(PollRequest* fds, ulong count, int timeout);

    [LibraryImport("libc", EntryPoint = "if_nametoindex", StringMarshalling = StringMarshalling.Utf8)]
    private static partial uint InterfaceIndex(string name);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
