using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Text;
using NetLab.Agent.Sniffing;

namespace NetLab.Agent.Tests.Sniffing;

/// <summary>
/// The sniffer over in-memory pipes, no sockets: every kind of first bytes, fed whole, one byte at a time,
/// truncated, and as random bytes. Whatever it decides, it must consume nothing.
/// </summary>
public class SnifferTests
{
    // Silence cases wait this long; inputs that decide by their bytes get a window they never reach.
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Patient = TimeSpan.FromSeconds(10);

    public static TheoryData<string> Methods => new() { "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT" };

    [Fact]
    public async Task A_real_TLS_ClientHello_is_TLS_whole_and_byte_by_byte()
    {
        var hello = await CaptureClientHelloAsync();
        Assert.Equal(0x16, hello[0]);

        Assert.Equal(SniffVerdict.Tls, await SniffFedAsync(hello, segment: hello.Length));
        Assert.Equal(SniffVerdict.Tls, await SniffFedAsync(hello, segment: 1));
    }

    [Fact]
    public async Task A_truncated_TLS_record_header_waits_then_is_text()
    {
        // Two bytes cannot tell TLS from anything else; silence after them means a text session.
        Assert.Equal(SniffVerdict.Text, await SniffFedAsync([0x16, 0x03], segment: 1, silenceAfter: true));
        Assert.Equal(SniffVerdict.Text, await SniffFedAsync([0x16, 0x07, 0x01], segment: 3));
    }

    [Fact]
    public async Task TLS_is_not_sniffed_again_inside_TLS()
    {
        var hello = await CaptureClientHelloAsync();
        Assert.Equal(SniffVerdict.Text, await SniffFedAsync(hello, segment: hello.Length, allowTls: false));
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task Each_HTTP_method_is_HTTP_whole_and_byte_by_byte(string method)
    {
        var request = Encoding.ASCII.GetBytes($"{method} /index/Adam HTTP/1.1\r\nHost: lab\r\n\r\n");
        Assert.Equal(SniffVerdict.Http, await SniffFedAsync(request, segment: request.Length));
        Assert.Equal(SniffVerdict.Http, await SniffFedAsync(request, segment: 1));
        Assert.Equal(SniffVerdict.Http, await SniffFedAsync(request, segment: 1, allowTls: false));
    }

    [Fact]
    public async Task HTTP_1_0_and_a_bare_LF_request_line_are_HTTP()
    {
        Assert.Equal(SniffVerdict.Http, await SniffFedAsync("GET / HTTP/1.0\n\n"u8.ToArray(), segment: 4));
    }

    [Theory]
    [InlineData("GET / HTTPS/1.1\r\n")]
    [InlineData("GET / HTTP/2.0\r\n")]
    [InlineData("GET / http/1.1\r\n")]
    public async Task A_request_line_with_a_wrong_version_is_a_bad_HTTP_version(string line)
    {
        Assert.Equal(SniffVerdict.BadHttpVersion, await SniffFedAsync(Encoding.ASCII.GetBytes(line), segment: 1));
    }

    [Theory]
    [InlineData("hello\n")]
    [InlineData("q\n")]
    [InlineData("/help\r\n")]
    [InlineData("GET me a coffee\n")]
    [InlineData("GETTING / HTTP/1.1\n")]
    [InlineData("get me a coffee\n")]
    [InlineData("\n")]
    public async Task Plain_text_is_text(string text)
    {
        Assert.Equal(SniffVerdict.Text, await SniffFedAsync(Encoding.ASCII.GetBytes(text), segment: 1));
    }

    [Fact]
    public async Task Silence_is_text_after_the_window()
    {
        var pipe = new Pipe();
        var started = DateTime.UtcNow;
        var verdict = (await Sniffer.SniffAsync(pipe.Reader, allowTls: true, Window, TimeProvider.System, CancellationToken.None)).Verdict;
        Assert.Equal(SniffVerdict.Text, verdict);
        Assert.True(DateTime.UtcNow - started >= Window - TimeSpan.FromMilliseconds(20), "decided before the window passed");
    }

    [Theory]
    [InlineData("GET / HT")]
    [InlineData("POST")]
    [InlineData("CONN")]
    public async Task A_truncated_request_line_followed_by_silence_is_text(string prefix)
    {
        Assert.Equal(SniffVerdict.Text, await SniffFedAsync(Encoding.ASCII.GetBytes(prefix), segment: 1, silenceAfter: true));
    }

    [Fact]
    public async Task A_truncated_request_line_then_EOF_is_text()
    {
        Assert.Equal(SniffVerdict.Text, await SniffFedAsync("GET / HTTP/1."u8.ToArray(), segment: 3, endWithEof: true));
    }

    [Theory]
    [InlineData("get / HTTP/1.1\r\n")]
    [InlineData("Get /index HTTP/1.1\n")]
    public async Task A_request_line_with_a_method_in_the_wrong_case_is_a_bad_HTTP_method(string line)
    {
        Assert.Equal(SniffVerdict.BadHttpMethod, await SniffFedAsync(Encoding.ASCII.GetBytes(line), segment: 3));
    }

    [Fact]
    public async Task A_request_line_longer_than_the_limit_is_still_HTTP_for_Kestrel_to_answer_414()
    {
        var line = Encoding.ASCII.GetBytes("GET /" + new string('a', Sniffer.MaxRequestLineBytes + 10));
        Assert.Equal(SniffVerdict.Http, await SniffFedAsync(line, segment: 4096));
        var complete = Encoding.ASCII.GetBytes("GET /" + new string('a', Sniffer.MaxRequestLineBytes + 10) + " HTTP/1.1\r\n");
        Assert.Equal(SniffVerdict.Http, await SniffFedAsync(complete, segment: 4096));
    }

    [Fact]
    public async Task A_long_line_that_does_not_start_like_a_request_gives_up_at_the_limit_as_text()
    {
        var line = Encoding.ASCII.GetBytes("GET " + new string('a', Sniffer.MaxRequestLineBytes + 10));
        Assert.Equal(SniffVerdict.Text, await SniffFedAsync(line, segment: 4096));
    }

    [Fact]
    public async Task Random_bytes_always_get_a_verdict_and_are_never_consumed()
    {
        var random = new Random(20261124);
        for (var i = 0; i < 300; i++)
        {
            var bytes = new byte[random.Next(1, 600)];
            random.NextBytes(bytes);
            var verdict = await SniffFedAsync(bytes, segment: random.Next(1, 64), endWithEof: true);
            Assert.NotEqual(SniffVerdict.NeedMore, verdict);
        }
    }

    [Fact]
    public void Classify_needs_more_for_a_method_prefix_and_decides_on_a_wrong_first_byte()
    {
        Assert.Equal(SniffVerdict.NeedMore, Sniffer.Classify(Seq("G"), allowTls: true));
        Assert.Equal(SniffVerdict.NeedMore, Sniffer.Classify(Seq("DELE"), allowTls: true));
        Assert.Equal(SniffVerdict.NeedMore, Sniffer.Classify(Seq("GET /index"), allowTls: true));
        Assert.Equal(SniffVerdict.Text, Sniffer.Classify(Seq("x"), allowTls: true));
        Assert.Equal(SniffVerdict.NeedMore, Sniffer.Classify(ReadOnlySequence<byte>.Empty, allowTls: true));
    }

    /// <summary>
    /// Feeds <paramref name="bytes"/> into a pipe in segments while the sniffer reads, then checks that the
    /// next reader still sees every byte (the hand-off consumed nothing).
    /// </summary>
    private static async Task<SniffVerdict> SniffFedAsync(byte[] bytes, int segment, bool allowTls = true, bool endWithEof = false, bool silenceAfter = false)
    {
        var pipe = new Pipe();
        var feeding = Task.Run(async () =>
        {
            for (var offset = 0; offset < bytes.Length; offset += segment)
            {
                await pipe.Writer.WriteAsync(bytes.AsMemory(offset, Math.Min(segment, bytes.Length - offset)));
                await Task.Yield();
            }

            if (endWithEof)
            {
                await pipe.Writer.CompleteAsync();
            }
        });

        var verdict = (await Sniffer.SniffAsync(pipe.Reader, allowTls, silenceAfter ? Window : Patient, TimeProvider.System, CancellationToken.None)).Verdict;
        await feeding;
        if (!endWithEof)
        {
            await pipe.Writer.CompleteAsync();
        }

        var rest = await ReadAllAsync(pipe.Reader);
        Assert.Equal(bytes, rest);
        return verdict;
    }

    private static async Task<byte[]> ReadAllAsync(PipeReader reader)
    {
        while (true)
        {
            var result = await reader.ReadAsync();
            if (result.IsCompleted)
            {
                var all = result.Buffer.ToArray();
                reader.AdvanceTo(result.Buffer.End);
                return all;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    private static ReadOnlySequence<byte> Seq(string text) => new(Encoding.ASCII.GetBytes(text));

    /// <summary>What SslStream really sends first, captured from a client handshake that gets no answer.</summary>
    private static async Task<byte[]> CaptureClientHelloAsync()
    {
        var pipe = new Pipe();
        var stream = new DuplexStream(new MemoryStream(), pipe.Writer.AsStream());
        using var ssl = new SslStream(stream);
        using var cancel = new CancellationTokenSource();
        var handshake = ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }, cancel.Token);
        var first = await pipe.Reader.ReadAsync();
        var hello = first.Buffer.ToArray();
        pipe.Reader.AdvanceTo(first.Buffer.End);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<Exception>(() => handshake);
        return hello;
    }

    /// <summary>Reads from one stream, writes to another: enough of a socket for SslStream's first flight.</summary>
    private sealed class DuplexStream(Stream read, Stream write) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => write.Flush();
        public override int Read(byte[] buffer, int offset, int count) => read.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => write.Write(buffer, offset, count);
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => write.WriteAsync(buffer, offset, count, cancellationToken);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => write.WriteAsync(buffer, cancellationToken);
        public override Task FlushAsync(CancellationToken cancellationToken) => write.FlushAsync(cancellationToken);
    }
}
