using System.Security.Cryptography;
using NetLab.Cli.Lab;

namespace NetLab.Cli.Exercises;

internal sealed class NcatFileExercise : Exercise
{
    private const int Size = 1 << 20;

    public override string Id => "ncat-file";

    public override string Title => "File transfer, ncat style";

    public override string Teaches => "A raw TCP connection carries a file with no protocol at all: the receiver stores whatever arrives until the sender closes.";

    public override string TryByHand(string host, int port) => $"ncat {host} {port}  → /recv outputfile, then: ncat --send-only {host} {port} < inputfile";

    public override async Task RunAsync(ExerciseContext context, Figures figures, CancellationToken ct)
    {
        var name = context.UniqueName("netlab-outputfile");
        await using var session = await context.ConnectAsync(ct);
        await session.ReadBannerAsync(ct);
        await session.SendLineAsync($"/recv {name} {Size}", ct);
        var armed = await session.ReadLineAsync(ct);
        Expect.That(armed.StartsWith("OK armed", StringComparison.Ordinal), "\"OK armed: ...\"", $"\"{Expect.Shorten(armed)}\"");

        var payload = new byte[Size];
        Random.Shared.NextBytes(payload);
        var sha = Convert.ToHexStringLower(SHA256.HashData(payload));
        using (var sender = await Net.ConnectAsync(context.Host, context.Port, ct))
        {
            await sender.SendAsync(payload, ct);
            sender.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        }

        var report = await session.ReadLineAsync(ct);
        Expect.That(report.StartsWith($"received {name}: {Size} bytes", StringComparison.Ordinal), $"\"received {name}: {Size} bytes ...\"", $"\"{Expect.Shorten(report, 120)}\"");
        Expect.That(report.EndsWith($"sha256 {sha}", StringComparison.Ordinal), $"the agent's sha256 to be {sha[..16]}…", $"\"{Expect.Shorten(report, 160)}\"");

        await session.SendLineAsync($"/sha256 {name}", ct);
        Expect.Equal($"{sha}  {name}", await session.ReadLineAsync(ct), "/sha256 in sha256sum's format");
        figures.Add("stored", $"{Size} bytes as {name}");
        figures.Add("sha256", $"{sha[..16]}… matches");
        figures.Add("agent said", Expect.Shorten(report[..report.IndexOf(", sha256", StringComparison.Ordinal)], 100));
    }
}
