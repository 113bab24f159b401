using System.Text;
using NetLab.Cli.Netcat;

namespace NetLab.Cli.Tests.Netcat;

/// <summary>-C over TCP and UDP: one conversion, the same at any chunk boundary.</summary>
public class LineEndingTests
{
    [Theory]
    [InlineData(new[] { "GET / HTTP/1.1\nHost: x\n\n" }, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData(new[] { "already\r\n", "crlf\r\n" }, "already\r\ncrlf\r\n")]
    [InlineData(new[] { "split CRLF\r", "\nnext" }, "split CRLF\r\nnext")] // a CR ending one read, its LF starting the next
    [InlineData(new[] { "bare\n", "\n", "\r", "x\n" }, "bare\r\n\r\n\rx\r\n")]
    [InlineData(new[] { "", "no newline" }, "no newline")]
    public void A_bare_LF_becomes_CRLF_and_a_CRLF_split_across_reads_stays_one(string[] reads, string expected)
    {
        var crlf = new CrlfConverter();
        var output = new StringBuilder();
        foreach (var read in reads)
        {
            var input = Encoding.ASCII.GetBytes(read);
            output.Append(Encoding.ASCII.GetString(crlf.Convert(input, new byte[CrlfConverter.MaxOutput(input.Length)]).Span));
        }

        Assert.Equal(expected, output.ToString());
    }

    [Fact]
    public async Task Udp_lines_are_converted_the_same_way_whatever_the_reads()
    {
        var lines = new List<string>();
        await foreach (var line in DatagramLines.ReadAsync(new ByteAtATime("one\r\ntwo\nthree"), new CrlfConverter(), CancellationToken.None))
        {
            lines.Add(Encoding.ASCII.GetString(line));
        }

        Assert.Equal(["one\r\n", "two\r\n", "three"], lines);
    }

    [Fact]
    public async Task Without_C_a_udp_line_keeps_its_bytes_and_a_long_one_is_cut_to_datagrams()
    {
        var text = "plain\n" + new string('x', UdpNetcat.MaxDatagram + 10);
        var lines = new List<byte[]>();
        await foreach (var line in DatagramLines.ReadAsync(new MemoryStream(Encoding.ASCII.GetBytes(text)), crlf: null, CancellationToken.None))
        {
            lines.Add(line);
        }

        Assert.Equal([6, UdpNetcat.MaxDatagram, 10], lines.Select(l => l.Length));
        Assert.Equal("plain\n", Encoding.ASCII.GetString(lines[0]));
    }

    /// <summary>A stdin that hands over one byte per read: every boundary a chunk can have.</summary>
    private sealed class ByteAtATime(string text) : MemoryStream(Encoding.ASCII.GetBytes(text))
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], cancellationToken);
    }
}
