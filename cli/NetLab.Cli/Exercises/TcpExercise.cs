using System.Diagnostics;

namespace NetLab.Cli.Exercises;

internal sealed class TcpExercise : Exercise
{
    public override string Id => "tcp";

    public override string Title => "TCP connection and banner";

    public override string Teaches => "A TCP connection is a three-way handshake; then the server speaks first, like the tutorial's ncat --sh-exec \"echo Successfully Connected\".";

    public override bool ShowsWireByDefault => true;

    public override string? WireLesson(Wire.WireView view) => Wire.WireLessons.Banner(view);

    public override string TryByHand(string host, int port) => $"`nc {host} {port}`";

    public override async Task RunAsync(ExerciseContext context, Figures figures, CancellationToken ct)
    {
        // Silent, as nc is until you type: the banner comes after the agent's sniff window.
        var clock = Stopwatch.StartNew();
        await using var client = await Lab.LineClient.ConnectAsync(context.Host, context.Port, ct);
        var handshake = clock.Elapsed;
        context.Rtt ??= handshake;
        var (banner, hint) = await client.ReadBannerAsync(ct);
        var bannerAt = clock.Elapsed;
        Expect.That(hint.Contains("/help", StringComparison.Ordinal), "a hint line naming /help", $"\"{Expect.Shorten(hint)}\"");
        figures.Add("handshake", handshake.TotalMilliseconds, Unit.Ms);
        figures.Add("banner after", bannerAt.TotalMilliseconds, Unit.Ms, note: "(the agent first waits to see if you speak TLS or HTTP)");
        figures.Add("banner", banner);
    }
}
