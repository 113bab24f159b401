using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace NetLab.Cli.Exercises;

internal sealed class TransferExercise : Exercise
{
    /// <summary>The upload goes on for this long, or until this size: meaningful on loopback and on a slow line.</summary>
    private static readonly TimeSpan UploadBudget = TimeSpan.FromSeconds(1);
    private const int MaxSize = 8 << 20;
    private const int MinSize = 64 << 10;

    public override string Id => "transfer";

    public override string Title => "File upload and download";

    public override string Teaches => "TCP delivers every byte in order: the SHA-256 of what came back equals what was sent, at a rate set by the path.";

    public override string? WireLesson(Wire.WireView view) => Wire.WireLessons.Transfer(view);

    public override string TryByHand(string host, int port) =>
        $"`curl -T file http://{Lab.Net.Endpoint(host, port)}/files/`   then   `curl -o copy http://{Lab.Net.Endpoint(host, port)}/files/file`";

    public override async Task RunAsync(ExerciseContext context, Figures figures, CancellationToken ct)
    {
        var name = ExerciseContext.UniqueName("netlab-transfer");
        var url = $"http://{Lab.Net.Endpoint(context.Host, context.Port)}/files/{name}";
        // Each connection opens with the request in hand (ConnectOnWriteStream says why).
        using var http = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = (endpoint, _) => ValueTask.FromResult<Stream>(new Lab.ConnectOnWriteStream(endpoint.DnsEndPoint.Host, endpoint.DnsEndPoint.Port)),
            Expect100ContinueTimeout = TimeSpan.FromSeconds(10), // the agent says 100 (or why not) as soon as the route runs
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };

        // Upload random bytes for the time budget (chunked: the size is not known until the time is up).
        var body = new TimedRandomStream(UploadBudget, MinSize, MaxSize);
        var clock = Stopwatch.StartNew();
        body.Rate.Start();
        using var content = new StreamContent(body, 64 << 10);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        // Expect: 100-continue, as curl -T sends for a large file: an agent that refuses (a limit: 429, 507) says so
        // before the body goes, instead of closing on a body it will not take (a broken pipe, and no reason).
        using var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = content };
        request.Headers.ExpectContinue = true;
        using var put = await http.SendAsync(request, ct);
        var up = clock.Elapsed;
        body.Rate.End(); // the bytes left the socket buffers while the agent took them: the rate along the upload is over the whole exchange
        await Expect.StatusAsync(put, HttpStatusCode.Created, "Created for the upload", ct);
        var sent = body.Sha256();

        // The download read as it arrives (not buffered whole by HttpClient), so its rate is known along the way.
        clock.Restart();
        var downloaded = new RateRecorder();
        downloaded.Start();
        using var get = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
        await Expect.StatusAsync(get, HttpStatusCode.OK, "OK for the download", ct);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using (var stream = await get.Content.ReadAsStreamAsync(ct))
        {
            var buffer = new byte[64 << 10];
            int n;
            while ((n = await stream.ReadAsync(buffer, ct)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                downloaded.Add(n);
            }
        }

        var down = clock.Elapsed;
        downloaded.End();
        var back = downloaded.Bytes;
        figures.Samples = new TransferSamples(body.Rate.Series(), downloaded.Series());
        var received = Convert.ToHexStringLower(hash.GetHashAndReset());
        Expect.That(received == sent, $"the same {body.Produced} bytes back (sha256 {sent[..16]}…)", $"{back} bytes with sha256 {received[..16]}…");
        await http.DeleteAsync(url, ct); // tidy: the file counts against this address's quota

        context.BytesPerSecond = Math.Min(body.Produced / up.TotalSeconds, back / down.TotalSeconds);
        figures.Add("size", body.Produced, Unit.Bytes);
        figures.Add("upload", Figures.MBps(body.Produced, up), Unit.MBps);
        figures.Add("download", Figures.MBps(back, down), Unit.MBps);
        figures.Add("sha256", $"{sent[..16]}… both ways", ("sha256", sent));
    }

    /// <summary>Random bytes until the time is up (or the most), hashed as they go.</summary>
    private sealed class TimedRandomStream(TimeSpan budget, int min, int max) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private Stopwatch? _clock;

        /// <summary>Bytes produced so far.</summary>
        public long Produced { get; private set; }

        /// <summary>When each block was taken by the upload.</summary>
        public RateRecorder Rate { get; } = new();

        private string? _sha256;

        /// <summary>The SHA-256 of what was produced, once the upload has read to the end (HttpClient disposes the stream after).</summary>
        public string Sha256() => _sha256 ?? throw new InvalidOperationException("the upload did not read to the end");

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            _clock ??= Stopwatch.StartNew();
            if (Produced >= max || (Produced >= min && _clock.Elapsed >= budget))
            {
                _sha256 ??= Convert.ToHexStringLower(_hash.GetHashAndReset());
                return 0;
            }

            var n = (int)Math.Min(buffer.Length, max - Produced);
            Random.Shared.NextBytes(buffer[..n]);
            _hash.AppendData(buffer[..n]);
            Produced += n;
            Rate.Add(n);
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException(); // unknown until the time is up: the upload is chunked

        public override long Position { get => Produced; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            _hash.Dispose();
            base.Dispose(disposing);
        }
    }
}
