using System.Runtime.InteropServices;

namespace NetLab.Agent.Capture;

/// <summary>
/// The classic BPF program the kernel runs on every packet before it reaches the capture socket: only TCP to or from
/// the agent's TCP port and UDP to or from its UDP port, IPv4 and IPv6, no IPv4 fragment after the first, and not the
/// outgoing copy of a loopback packet (loopback hands every packet to a packet socket twice: going out and coming in;
/// libpcap drops the outgoing copy the same way). It returns <see cref="SnapLength"/>: the kernel copies no more.
/// With an <c>AF_PACKET</c> <c>SOCK_DGRAM</c> socket, offset 0 is the IP header on every link type.
/// </summary>
internal static class CaptureFilter
{
    /// <summary>Bytes the kernel copies of a packet: the longest headers kept (120) and the 64 payload bytes.</summary>
    public const int SnapLength = NetLab.Wire.WirePacket.MaxHeaders + NetLab.Wire.WirePacket.MaxPayload;

    // Instruction classes and modes (linux/filter.h).
    private const ushort Ld = 0x00, Ldx = 0x01, Alu = 0x04, Jmp = 0x05, Ret = 0x06;
    private const ushort W = 0x00, H = 0x08, B = 0x10;
    private const ushort Abs = 0x20, Ind = 0x40, Msh = 0xa0;
    private const ushort And = 0x50, Jeq = 0x10, Jset = 0x40, K = 0x00;

    // Ancillary data (SKF_AD_OFF + ...): the packet's type and the interface it was seen on.
    private const uint AncillaryBase = unchecked((uint)-0x1000);
    private const uint PacketType = AncillaryBase + 4;
    private const uint InterfaceIndex = AncillaryBase + 8;
    private const uint Outgoing = 4; // PACKET_OUTGOING

    /// <summary>The program for these ports; <paramref name="loopbackIndex"/> is the loopback device's interface index.</summary>
    public static SocketFilter[] Build(int tcpPort, int udpPort, int loopbackIndex)
    {
        var p = new Program();
        p.Load(W | Abs, PacketType);
        p.JumpIf(Jeq, Outgoing, "outgoing", "ip");
        p.Label("outgoing");
        p.Load(W | Abs, InterfaceIndex);
        p.JumpIf(Jeq, (uint)loopbackIndex, "drop", "ip");

        p.Label("ip");
        p.Load(B | Abs, 0);
        p.Op(Alu | And | K, 0xf0);
        p.JumpIf(Jeq, 0x40, "v4", "v6?");
        p.Label("v6?");
        p.JumpIf(Jeq, 0x60, "v6", "drop");

        // IPv4: TCP or UDP, first fragment only; X = the header length (BPF_MSH: 4 * (byte 0 & 0xf)).
        p.Label("v4");
        p.Load(H | Abs, 6);
        p.JumpIf(Jset, 0x1fff, "drop", "v4 proto");
        p.Label("v4 proto");
        p.Load(B | Abs, 9);
        p.JumpIf(Jeq, 6, "v4 tcp", "v4 udp?");
        p.Label("v4 udp?");
        p.JumpIf(Jeq, 17, "v4 udp", "drop");
        p.Label("v4 tcp");
        p.Op(Ldx | B | Msh, 0);
        Ports(p, H | Ind, 0, tcpPort, "v4 tcp dst");
        p.Label("v4 udp");
        p.Op(Ldx | B | Msh, 0);
        Ports(p, H | Ind, 0, udpPort, "v4 udp dst");

        // IPv6: TCP or UDP straight after the fixed 40-byte header (no extension headers).
        p.Label("v6");
        p.Load(B | Abs, 6);
        p.JumpIf(Jeq, 6, "v6 tcp", "v6 udp?");
        p.Label("v6 udp?");
        p.JumpIf(Jeq, 17, "v6 udp", "drop");
        p.Label("v6 tcp");
        Ports(p, H | Abs, 40, tcpPort, "v6 tcp dst");
        p.Label("v6 udp");
        Ports(p, H | Abs, 40, udpPort, "v6 udp dst");

        p.Label("keep");
        p.Op(Ret | K, SnapLength);
        p.Label("drop");
        p.Op(Ret | K, 0);
        return p.Assemble();
    }

    /// <summary>Source port, then destination port (at <paramref name="offset"/> and +2): either one the agent's keeps the packet.</summary>
    private static void Ports(Program p, ushort mode, uint offset, int port, string dst)
    {
        p.Load(mode, offset);
        p.JumpIf(Jeq, (uint)port, "keep", dst);
        p.Label(dst);
        p.Load(mode, offset + 2);
        p.JumpIf(Jeq, (uint)port, "keep", "drop");
    }

    /// <summary>A tiny assembler: instructions with named forward jumps, resolved at the end.</summary>
    private sealed class Program
    {
        private readonly List<(ushort Code, string? True, string? False, uint K)> _code = [];
        private readonly Dictionary<string, int> _labels = new(StringComparer.Ordinal);

        public void Label(string name) => _labels[name] = _code.Count;

        public void Load(ushort mode, uint k) => _code.Add(((ushort)(Ld | mode), null, null, k));

        public void Op(ushort code, uint k) => _code.Add((code, null, null, k));

        public void JumpIf(ushort test, uint k, string whenTrue, string whenFalse) => _code.Add(((ushort)(Jmp | test | K), whenTrue, whenFalse, k));

        public SocketFilter[] Assemble()
        {
            var program = new SocketFilter[_code.Count];
            for (var i = 0; i < _code.Count; i++)
            {
                var (code, t, f, k) = _code[i];
                program[i] = new SocketFilter { Code = code, True = Offset(i, t), False = Offset(i, f), K = k };
            }

            return program;
        }

        private byte Offset(int from, string? label)
        {
            if (label is null)
            {
                return 0;
            }

            var distance = _labels[label] - from - 1;
            return distance is >= 0 and <= 255 ? (byte)distance : throw new InvalidOperationException($"BPF jump to {label} out of range");
        }
    }
}

/// <summary>One classic BPF instruction (struct sock_filter).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SocketFilter
{
    public ushort Code;
    public byte True;
    public byte False;
    public uint K;
}
