using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using NetLab.Cli.Wan;
using NetLab.Wire;
using Xunit.Abstractions;

namespace NetLab.Cli.Tests.Wan;

/// <summary>The path's record on its own: what it keeps, how it comments each fate, its bounds and its cursor.</summary>
public class PathCaptureTests(ITestOutputHelper output)
{
    private static readonly IPAddress Near = IPAddress.Parse("198.19.7.2");
    private static readonly IPAddress Host = IPAddress.Parse("198.19.7.1");

    [Fact]
    public void It_keeps_TCP_and_UDP_between_the_two_ends_and_nothing_else()
    {
        var capture = new PathCapture(Near, Host);
        Assert.True(capture.Record(Ipv4(Near, Host, 6, Tcp(50_000, 11211, 1)), PathFate.Delivered));
        Assert.True(capture.Record(Ipv4(Host, Near, 17, Udp(11211, 50_001, 6)), PathFate.Delivered));
        Assert.False(capture.Record(Ipv4(Near, IPAddress.Parse("198.19.8.1"), 6, Tcp(50_000, 11211, 1)), PathFate.Delivered));
        Assert.False(capture.Record(Ipv4(Near, Host, 1, new byte[8]), PathFate.Delivered)); // ICMP
        Assert.False(capture.Record(Ipv4(Near, Host, 17, new byte[8], fragmentOffset: 185), PathFate.Delivered)); // a later fragment
        Assert.False(capture.Record(Ipv6NeighbourSolicitation(), PathFate.Delivered));
        Assert.False(capture.Record(new byte[10], PathFate.Lost));

        long cursor = 0;
        var packets = capture.TakeSince(ref cursor);
        Assert.Equal(2, cursor);
        Assert.Equal([WireProtocol.Tcp, WireProtocol.Udp], packets.Select(p => p.Protocol));
        Assert.Equal(new IPEndPoint(Host, 11211), packets[0].DestinationEndPoint);
        Assert.Equal(new IPEndPoint(Near, 50_001), packets[1].DestinationEndPoint);
    }

    [Fact]
    public void Each_packet_is_cut_to_its_headers_and_64_bytes_and_commented_with_its_fate()
    {
        var capture = new PathCapture(Near, Host);
        var before = DateTime.UtcNow;
        capture.Record(Ipv4(Near, Host, 6, Tcp(50_000, 11211, 1, payload: 1400)), PathFate.Delivered);
        capture.Record(Ipv4(Near, Host, 6, Tcp(50_000, 11211, 1401, payload: 1400)), PathFate.Lost);
        capture.Record(Ipv4(Near, Host, 6, Tcp(50_000, 11211, 2801, payload: 1400)), PathFate.QueueFull);
        long cursor = 0;
        var packets = capture.TakeSince(ref cursor);

        Assert.All(packets, p => Assert.Equal(20 + 20 + WirePacket.MaxPayload, p.Data.Length));
        Assert.All(packets, p => Assert.Equal(1440, p.OriginalLength));
        Assert.All(packets, p => Assert.Equal(1400, p.PayloadLength));
        Assert.All(packets, p => Assert.InRange(p.TimestampUtc, before, DateTime.UtcNow));
        Assert.Equal([1u, 1401u, 2801u], packets.Select(p => p.Sequence));
        Assert.Equal([null, "lost on the path (emulated loss)", "dropped: the path's queue was full"], packets.Select(p => p.Comment));
        Assert.Equal([false, true, true], packets.Select(WireFlow.IsLost));
    }

    [Fact]
    public void The_cursor_hands_out_each_packet_once_and_skips_what_the_bound_forgot()
    {
        var capture = new PathCapture(Near, Host, maxPackets: 100);
        for (uint i = 0; i < 250; i++)
        {
            capture.Record(Ipv4(Near, Host, 6, Tcp(50_000, 11211, i)), PathFate.Delivered);
        }

        Assert.Equal(250, capture.Recorded);
        Assert.Equal(100, capture.Count);
        long cursor = 120; // some of what it would have come to were forgotten
        Assert.Equal(Enumerable.Range(150, 100).Select(i => (uint)i), capture.TakeSince(ref cursor).Select(p => p.Sequence));
        Assert.Equal(250, cursor);
        Assert.Empty(capture.TakeSince(ref cursor));

        capture.Record(Ipv4(Host, Near, 6, Tcp(11211, 50_000, 7)), PathFate.Delivered);
        Assert.Equal([7u], capture.TakeSince(ref cursor).Select(p => p.Sequence));
        Assert.Equal(251, cursor);
    }

    [Fact]
    public void It_holds_the_newest_200_000_packets_at_most()
    {
        var capture = new PathCapture(Near, Host);
        var packet = Ipv4(Near, Host, 6, Tcp(50_000, 11211, 0));
        for (var i = 0; i < PathCapture.DefaultMaxPackets + 1_000; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(20 + 4), (uint)i);
            capture.Record(packet, PathFate.Delivered);
        }

        Assert.Equal(200_000, capture.Count);
        Assert.Equal(201_000, capture.Recorded);
        Assert.InRange(capture.Bytes, 0, PathCapture.DefaultMaxBytes);
        long cursor = 0;
        var held = capture.TakeSince(ref cursor);
        Assert.Equal(1_000u, held[0].Sequence);
        Assert.Equal(200_999u, held[^1].Sequence);
    }

    [Fact]
    public void It_holds_32_MiB_at_most_when_the_packets_are_large()
    {
        // Full-size segments with 40 bytes of TCP options: 20 + 60 + 64 bytes kept, 192 counted; 32 MiB is 174,762 of them.
        var capture = new PathCapture(Near, Host);
        var packet = Ipv4(Near, Host, 6, Tcp(50_000, 11211, 0, payload: 1400, options: 40));
        var perPacket = 20 + 60 + WirePacket.MaxPayload + PathCapture.OverheadPerPacket;
        for (var i = 0; i < PathCapture.DefaultMaxPackets; i++)
        {
            capture.Record(packet, PathFate.Delivered);
        }

        Assert.Equal(32 * 1024 * 1024 / perPacket, capture.Count);
        Assert.InRange(capture.Bytes, PathCapture.DefaultMaxBytes - perPacket, PathCapture.DefaultMaxBytes);
    }

    [Fact]
    public void Both_lanes_record_at_once_and_each_record_is_cheap()
    {
        const int PerLane = 100_000;
        var capture = new PathCapture(Near, Host);
        var watch = Stopwatch.StartNew();
        var lanes = new[] { (Near, Host), (Host, Near) }.Select(ends => new Thread(() =>
        {
            var packet = Ipv4(ends.Item1, ends.Item2, 6, Tcp(50_000, 11211, 0, payload: 1400));
            for (var i = 0; i < PerLane; i++)
            {
                capture.Record(packet, PathFate.Delivered);
            }
        })).ToList();
        lanes.ForEach(t => t.Start());
        lanes.ForEach(t => t.Join());
        watch.Stop();

        Assert.Equal(2 * PerLane, capture.Recorded);
        var perRecord = watch.Elapsed.TotalMicroseconds / (2 * PerLane);
        output.WriteLine($"{perRecord:F3} µs a record, two lanes at once");

        // At 10 Gbit/s a lane reads about 830,000 full-size packets a second, 1.2 µs apart: a record costs far less.
        Assert.InRange(perRecord, 0, 20);
    }

    /// <summary>An IPv4 packet of <paramref name="protocol"/> carrying <paramref name="transport"/>.</summary>
    internal static byte[] Ipv4(IPAddress source, IPAddress destination, byte protocol, byte[] transport, int fragmentOffset = 0)
    {
        var p = new byte[20 + transport.Length];
        p[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)p.Length);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(6), (ushort)fragmentOffset);
        p[8] = 64;
        p[9] = protocol;
        source.GetAddressBytes().CopyTo(p, 12);
        destination.GetAddressBytes().CopyTo(p, 16);
        transport.CopyTo(p, 20);
        return p;
    }

    internal static byte[] Tcp(int sourcePort, int destinationPort, uint sequence, int payload = 0, int options = 0)
    {
        var t = new byte[20 + options + payload];
        BinaryPrimitives.WriteUInt16BigEndian(t, (ushort)sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(2), (ushort)destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(t.AsSpan(4), sequence);
        t[12] = (byte)((20 + options) / 4 << 4);
        t[13] = (byte)TcpControlBits.Ack;
        t.AsSpan(20, options).Fill(1); // NOPs
        return t;
    }

    private static byte[] Udp(int sourcePort, int destinationPort, int payload)
    {
        var u = new byte[8 + payload];
        BinaryPrimitives.WriteUInt16BigEndian(u, (ushort)sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(u.AsSpan(2), (ushort)destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(u.AsSpan(4), (ushort)u.Length);
        return u;
    }

    /// <summary>What the kernel sends on a new link: ICMPv6 (58), never TCP or UDP.</summary>
    private static byte[] Ipv6NeighbourSolicitation()
    {
        var p = new byte[40 + 24];
        p[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), 24);
        p[6] = 58;
        p[7] = 255;
        IPAddress.Parse("fe80::1").GetAddressBytes().CopyTo(p, 8);
        IPAddress.Parse("ff02::1:ff00:2").GetAddressBytes().CopyTo(p, 24);
        p[40] = 135;
        return p;
    }
}
