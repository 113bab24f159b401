using System.Diagnostics;

namespace NetLab.Cli.Exercises;

internal sealed class EchoExercise : Exercise
{
    /// <summary>Probes at most, and the time they may take: enough for a median on loopback and across an ocean.</summary>
    private const int MaxProbes = 200;
    private const int MinProbes = 5;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(1.5);

    public override string Id => "echo";

    public override string Title => "Round-trip time over TCP";

    public override string Teaches => "Every line goes there and back: the round-trip time is the floor under every request/response protocol.";

    public override string TryByHand(string host, int port) => $"`ncat {host} {port}`   then `/echo` and type lines";

    public override async Task RunAsync(ExerciseContext context, Figures figures, CancellationToken ct)
    {
        await using var client = await context.ConnectAsync(ct);
        await client.SendLineAsync("/echo", ct);
        await client.ReadBannerAsync(ct);
        await client.ReadLineMatchingAsync(l => l.StartsWith("OK echo mode", StringComparison.Ordinal), "\"OK echo mode\"", ct);

        // One probe after another, until there are enough or the time is up (at least a few, however slow the path).
        var rtts = new List<double>(MaxProbes);
        var budget = Stopwatch.StartNew();
        for (var i = 0; i < MaxProbes && (budget.Elapsed < Budget || i < MinProbes); i++)
        {
            var probe = $"ping {i} {Stopwatch.GetTimestamp()}";
            var start = Stopwatch.GetTimestamp();
            await client.SendLineAsync(probe, ct);
            Expect.Equal(probe, await client.ReadLineAsync(ct), "the echo of the probe");
            rtts.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        figures.Samples = new EchoSamples(rtts.Select(ms => Math.Round(ms, 4)).ToList()); // in the order sent
        rtts.Sort();
        var median = Figures.Percentile(rtts, 50);
        context.TcpRttMedianMs = median;
        context.Rtt = TimeSpan.FromMilliseconds(median);
        figures.Add("probes", rtts.Count, Unit.Count);
        figures.Add("RTT min", rtts[0], Unit.Ms);
        figures.Add("RTT median", median, Unit.Ms);
        figures.Add("RTT p99", Figures.Percentile(rtts, 99), Unit.Ms);
    }
}
