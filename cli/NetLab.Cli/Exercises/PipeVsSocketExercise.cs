using System.Diagnostics;
using System.IO.Pipes;
using System.Net;
using System.Net.Sockets;
using NetLab.Cli.Lab;

namespace NetLab.Cli.Exercises;

internal sealed class PipeVsSocketExercise : Exercise
{
    /// <summary>The local copies: this many bytes, or what a second moves (a loaded machine, a class on one), whichever is less.</summary>
    private const int LocalBytes = 64 << 20;
    private static readonly TimeSpan LocalBudget = TimeSpan.FromSeconds(1);

    /// <summary>The agent's part: a second of the path's rate, between these sizes, and never more than two seconds.</summary>
    private const int MaxRemoteBytes = 32 << 20;
    private const int MinRemoteBytes = 64 << 10;
    private static readonly TimeSpan RemoteBudget = TimeSpan.FromSeconds(2);
    private const int Block = 64 * 1024;

    public override string Id => "pipe-vs-socket";

    public override string Title => "Pipe vs socket, measured";

    public override string Teaches => "The tutorial says pipes are fast and sockets slower but able to cross hosts: here are the three rates side by side.";

    public override string TryByHand(string host, int port) => TryByHand(host, port, Platform.Current);

    public override string TryByHand(ExerciseContext context) => TryByHand(context.Host, context.Port, context.Platform);

    private static string TryByHand(string host, int port, Platform platform) =>
        $"`dd if=/dev/zero bs=1M count=256 | cat > /dev/null`   vs   `printf '/source 256M\\n' | nc {host} {port} | pv > /dev/null`{platform.PipeShell}";

    public override async Task RunAsync(ExerciseContext context, Figures figures, CancellationToken ct)
    {
        var pipe = await MeasurePipeAsync(ct);
        var socket = await MeasureLoopbackAsync(ct);
        var remote = await MeasureAgentAsync(context, ct);
        var agent = context.LocalLab ? "agent (/source, loopback)" : "agent (/source, over the network)";
        figures.Add("pipe (one host)", Figures.MBps(pipe.Bytes, pipe.Elapsed), Unit.MBps, key: "pipeMBps");
        figures.Add("loopback socket", Figures.MBps(socket.Bytes, socket.Elapsed), Unit.MBps);
        figures.Add(agent, Figures.MBps(remote.Bytes, remote.Elapsed), Unit.MBps, key: "agentMBps");
        figures.Samples = new PipeVsSocketSamples(
        [
            Measured("pipe", "pipe (one host)", pipe),
            Measured("loopbackSocket", "loopback socket", socket),
            Measured("agent", agent, remote),
        ]);
        var ratio = Figures.MBps(pipe.Bytes, pipe.Elapsed) / Figures.MBps(socket.Bytes, socket.Elapsed);
        figures.Add("pipe vs loopback socket", Verdict(ratio, context.Platform), ("pipeOverSocket", Math.Round(ratio, 2)));
    }

    /// <summary>The comparison in words: the tutorial's expectation, or why this OS's loopback socket won.</summary>
    internal static string Verdict(double pipeOverSocket, Platform platform) => pipeOverSocket >= 1
        ? $"the pipe is {pipeOverSocket:F1}x faster, as the tutorial says"
        : $"the socket is {1 / pipeOverSocket:F1}x faster here: {platform.LoopbackFast}";

    private static RateMeasured Measured(string name, string label, (long Bytes, TimeSpan Elapsed) copy) =>
        new(name, label, copy.Bytes, Math.Round(copy.Elapsed.TotalSeconds, 6), Math.Round(Figures.MBps(copy.Bytes, copy.Elapsed), 2));

    private static async Task<(long Bytes, TimeSpan Elapsed)> MeasurePipeAsync(CancellationToken ct)
    {
        using var writer = new AnonymousPipeServerStream(PipeDirection.Out);
        using var reader = new AnonymousPipeClientStream(PipeDirection.In, writer.ClientSafePipeHandle);
        return await TimeCopyAsync(writer, reader, ct);
    }

    private static async Task<(long Bytes, TimeSpan Elapsed)> MeasureLoopbackAsync(CancellationToken ct)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port, ct);
        using var server = await listener.AcceptTcpClientAsync(ct);
        return await TimeCopyAsync(client.GetStream(), server.GetStream(), ct);
    }

    private static async Task<(long Bytes, TimeSpan Elapsed)> MeasureAgentAsync(ExerciseContext context, CancellationToken ct)
    {
        var size = (long)Math.Clamp(context.BytesPerSecond ?? MaxRemoteBytes, MinRemoteBytes, MaxRemoteBytes);
        await using var client = await context.ConnectAsync(ct);
        await client.ReadBannerAsync(ct);
        var clock = Stopwatch.StartNew();
        await client.SendLineAsync($"/source {size}", ct);
        var (got, complete, head) = await client.DrainAsync(RemoteBudget, ct);
        if (head.StartsWith("ERROR ", StringComparison.Ordinal))
        {
            throw new ExerciseFailure($"{size} bytes from /source", head.Split('\n')[0].TrimEnd('\r')); // a limit: the agent says which, and what to do
        }

        Expect.That(got == size || !complete, $"{size} bytes from /source", $"{got}");
        return (got, clock.Elapsed);
    }

    private static async Task<(long Bytes, TimeSpan Elapsed)> TimeCopyAsync(Stream writer, Stream reader, CancellationToken ct)
    {
        var block = new byte[Block];
        var clock = Stopwatch.StartNew();
        var writing = Task.Run(async () =>
        {
            for (var sent = 0; sent < LocalBytes && clock.Elapsed < LocalBudget; sent += Block)
            {
                await writer.WriteAsync(block, ct);
            }

            writer.Close();
        }, ct);
        var buffer = new byte[Block];
        long total = 0;
        int n;
        while ((n = await reader.ReadAsync(buffer, ct)) > 0)
        {
            total += n;
        }

        await writing;
        return (total, clock.Elapsed);
    }
}
