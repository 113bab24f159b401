using System.Diagnostics;

namespace NetLab.Cli.Exercises;

internal sealed class EchoExercise : Exercise
{
    private const int Probes = 200;

    public override string Id => "echo";

    public override string Title => "Round-trip time over TCP";

    public override string Teaches => "Every line goes there and back: the round-trip time is the floor under every request/response protocol.";

    public override string TryByHand(string host, int port) => $"ncat {host} {port}   then /echo and type lines";

    public override async Task RunAsync(ExerciseContext context, Figures figures, CancellationToken ct)
    {
        await using var client = await context.ConnectAsync(ct);
        await client.ReadBannerAsync(ct);
        await client.SendLineAsync("/echo", ct);
        await client.ReadLineMatchingAsync(l => l.StartsWith("OK echo mode", StringComparison.Ordinal), "\"OK echo mode\"", ct);

        var rtts = new List<double>(Probes);
        for (var i = 0; i < Probes; i++)
        {
            var probe = $"ping {i} {Stopwatch.GetTimestamp()}";
            var start = Stopwatch.GetTimestamp();
            await client.SendLineAsync(probe, ct);
            Expect.Equal(probe, await client.ReadLineAsync(ct), "the echo of the probe");
            rtts.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        rtts.Sort();
        var median = Figures.Percentile(rtts, 50);
        context.TcpRttMedianMs = median;
        figures.Add("probes", $"{Probes}");
        figures.Add("RTT min", Figures.Ms(rtts[0]));
        figures.Add("RTT median", Figures.Ms(median));
        figures.Add("RTT p99", Figures.Ms(Figures.Percentile(rtts, 99)));
    }
}
