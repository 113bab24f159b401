using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Text;

namespace NetLab.Cli.Wan;

/// <summary>
/// A TUN device (Linux <c>/dev/net/tun</c>): the kernel hands this process every IP packet routed into it, and
/// takes every packet written to it as if it had arrived on the wire. Not persistent: the device goes away when
/// the process closes it, or dies, so nothing of it can be left behind.
/// </summary>
internal sealed partial class Tun : IDisposable
{
    private const int ReadWrite = 2;
    private const int CloseOnExec = 0x80000;
    private const ulong SetInterface = 0x400454ca; // TUNSETIFF
    private const short TunMode = 0x0001; // IFF_TUN: IP packets, not Ethernet frames
    private const short NoPacketInfo = 0x1000; // IFF_NO_PI: no 4-byte header before each packet
    private const short PollIn = 0x0001;

    private readonly int _fd;
    private int _closed;

    private Tun(int fd, string name)
    {
        _fd = fd;
        Name = name;
    }

    /// <summary>The interface name the kernel gave it (from a pattern such as <c>nlw%d</c>).</summary>
    public string Name { get; }

    /// <summary>Creates a device in the network namespace of the calling thread.</summary>
    public static Tun Create(string pattern)
    {
        var fd = Open("/dev/net/tun", ReadWrite | CloseOnExec);
        if (fd < 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), "cannot open /dev/net/tun (is the tun driver there, and are you root?)");
        }

        var request = new InterfaceRequest { Flags = TunMode | NoPacketInfo };
        Encoding.ASCII.GetBytes(pattern, request.NameBytes);
        if (Ioctl(fd, SetInterface, ref request) < 0)
        {
            var error = Marshal.GetLastPInvokeError();
            _ = Close(fd);
            throw new Win32Exception(error, $"cannot create the TUN device {pattern}");
        }

        return new Tun(fd, Encoding.ASCII.GetString(request.NameBytes).TrimEnd('\0'));
    }

    /// <summary>Reads one packet; 0 when none came within <paramref name="waitMs"/> (or the device is closed).</summary>
    public int Read(Span<byte> packet, int waitMs)
    {
        if (Volatile.Read(ref _closed) == 1)
        {
            return 0;
        }

        var poll = new PollRequest { Fd = _fd, Events = PollIn };
        if (Poll(ref poll, 1, waitMs) <= 0 || (poll.Returned & PollIn) == 0)
        {
            return 0;
        }

        var n = ReadFd(_fd, ref MemoryMarshal.GetReference(packet), (nint)packet.Length);
        return n > 0 ? (int)n : 0;
    }

    /// <summary>Hands one packet to the kernel, as if it had arrived on this interface.</summary>
    public void Write(ReadOnlySpan<byte> packet)
    {
        if (Volatile.Read(ref _closed) == 0)
        {
            _ = WriteFd(_fd, in MemoryMarshal.GetReference(packet), (nint)packet.Length); // a packet the kernel refuses is a lost packet
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            _ = Close(_fd);
        }
    }

    [StructLayout(LayoutKind.Sequential, Size = 40)]
    private struct InterfaceRequest
    {
        public NameBuffer Name;
        public short Flags;

        public Span<byte> NameBytes => MemoryMarshal.CreateSpan(ref Name.First, 16);
    }

    [System.Runtime.CompilerServices.InlineArray(16)]
    private struct NameBuffer
    {
        public byte First;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollRequest
    {
        public int Fd;
        public short Events;
        public short Returned;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, ulong request, ref InterfaceRequest ifr);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(ref PollRequest fds, ulong count, int timeout);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint ReadFd(int fd, ref byte buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint WriteFd(int fd, in byte buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
