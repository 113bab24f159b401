using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace NetLab.Cli.Exercises;

internal sealed class TransferExercise : Exercise
{
    private const int Size = 8 << 20;

    public override string Id => "transfer";

    public override string Title => "File upload and download";

    public override string Teaches => "TCP delivers every byte in order: the SHA-256 of what came back equals what was sent, at a rate set by the path.";

    public override string TryByHand(string host, int port) => $"curl -T file http://{host}:{port}/files/   then   curl -o copy http://{host}:{port}/files/file";

    public override async Task RunAsync(ExerciseContext context, Figures figures, CancellationToken ct)
    {
        var payload = new byte[Size];
        Random.Shared.NextBytes(payload);
        var sent = Convert.ToHexStringLower(SHA256.HashData(payload));
        var name = context.UniqueName("netlab-transfer");
        var url = $"http://{Lab.Net.Endpoint(context.Host, context.Port)}/files/{name}";
        // Each connection opens with the request in hand (ConnectOnWriteStream says why).
        using var http = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = (endpoint, _) => ValueTask.FromResult<Stream>(new Lab.ConnectOnWriteStream(endpoint.DnsEndPoint.Host, endpoint.DnsEndPoint.Port)),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };

        var clock = Stopwatch.StartNew();
        using var content = new ByteArrayContent(payload);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var put = await http.PutAsync(url, content, ct);
        var up = clock.Elapsed;
        Expect.That(put.IsSuccessStatusCode, "201 Created for the upload", $"{(int)put.StatusCode} {await put.Content.ReadAsStringAsync(ct)}".Trim());

        clock.Restart();
        var back = await http.GetByteArrayAsync(url, ct);
        var down = clock.Elapsed;
        var received = Convert.ToHexStringLower(SHA256.HashData(back));
        Expect.That(received == sent, $"the same {Size} bytes back (sha256 {sent[..16]}…)", $"{back.Length} bytes with sha256 {received[..16]}…");

        figures.Add("size", $"{Size >> 20} MiB");
        figures.Add("upload", Figures.MBps(Size, up));
        figures.Add("download", Figures.MBps(Size, down));
        figures.Add("sha256", $"{sent[..16]}… both ways");
    }
}
