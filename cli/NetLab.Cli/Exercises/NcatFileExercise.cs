using System.Security.Cryptography;
using NetLab.Cli.Lab;

namespace NetLab.Cli.Exercises;

internal sealed class NcatFileExercise : Exercise
{
    /// <summary>The file: about a quarter of a second's worth of the path's rate, between these sizes (1 MiB on loopback).</summary>
    private const int MaxSize = 1 << 20;
    private const int MinSize = 32 << 10;

    /// <summary>How long it may wait its turn: classmates behind one NAT take turns, in the order of their /recv (the agent bounds the queue).</summary>
    private static readonly TimeSpan MaxTurnWait = TimeSpan.FromSeconds(120);

    public override string Id => "ncat-file";

    public override TimeSpan Backstop(TimeSpan timeout) => timeout + MaxTurnWait;

    public override string Title => "File transfer, ncat style";

    public override string Teaches => "A raw TCP connection carries a file with no protocol at all: the receiver stores whatever arrives until the sender closes.";

    public override bool ShowsWireByDefault => true;

    public override string? WireLesson(Wire.WireView view) => Wire.WireLessons.Transfer(view);

    public override string TryByHand(string host, int port) => $"`ncat {host} {port}` → `/recv outputfile`, then: `ncat --send-only {host} {port} < inputfile`";

    public override async Task RunAsync(ExerciseContext context, Figures figures, CancellationToken ct)
    {
        var size = (int)Math.Clamp((context.BytesPerSecond ?? MaxSize) / 4, MinSize, MaxSize);
        var name = ExerciseContext.UniqueName("netlab-outputfile");
        await using var session = await context.ConnectAsync(ct);
        await session.SendLineAsync($"/recv {name} {size}", ct);
        await session.ReadBannerAsync(ct);
        var armed = await session.ReadLineAsync(ct);
        if (armed.StartsWith("queued:", StringComparison.Ordinal))
        {
            // Classmates behind the same NAT armed first: wait for our turn, as a person would for "OK armed".
            var queued = System.Diagnostics.Stopwatch.StartNew();
            figures.Add("queued", Expect.Shorten(armed["queued: ".Length..armed.IndexOf(" (", StringComparison.Ordinal)], 60));
            armed = await session.ReadLineMatchingAsync(l => l.StartsWith("OK armed", StringComparison.Ordinal) || l.StartsWith("ERROR", StringComparison.Ordinal), "\"OK armed\" when our turn came", ct);
            figures.Add("waited its turn", queued.Elapsed.TotalMilliseconds, Unit.Ms);
        }

        Expect.That(armed.StartsWith("OK armed", StringComparison.Ordinal), "\"OK armed: ...\"", Expect.Quote(armed));

        var payload = new byte[size];
        Random.Shared.NextBytes(payload);
        var sha = Convert.ToHexStringLower(SHA256.HashData(payload));
        using (var sender = await Net.ConnectAsync(context.Host, context.Port, ct))
        {
            try
            {
                await sender.SendAsync(payload, ct);
                sender.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException)
            {
                // The agent stopped taking the file midway (a quota or a budget) and closed this connection, which
                // carries no words: its reason comes on the session, as nc's user sees it there.
                if (await ReasonAsync(session, ct) is { } reason)
                {
                    Expect.That(false, $"\"received {name}: {size} bytes ...\"", Expect.Quote(reason, 160));
                }

                throw;
            }
        }

        var report = await session.ReadLineAsync(ct);
        Expect.That(report.StartsWith($"received {name}: {size} bytes", StringComparison.Ordinal), $"\"received {name}: {size} bytes ...\"", Expect.Quote(report, 120));
        Expect.That(report.EndsWith($"sha256 {sha}", StringComparison.Ordinal), $"the agent's sha256 to be {sha[..16]}…", $"\"{Expect.Shorten(report, 160)}\"");

        // Both commands at once (one round trip, not two): the check by hand, and tidying up (the file counts against this address's quota).
        await session.SendLineAsync($"/sha256 {name}\n/rm {name}", ct);
        Expect.Equal($"{sha}  {name}", await session.ReadLineAsync(ct), "/sha256 in sha256sum's format");
        await session.ReadLineAsync(ct);
        figures.Add("stored", $"{size} bytes as {name}", ("storedBytes", size), ("file", name));
        figures.Add("sha256", $"{sha[..16]}… matches", ("sha256", sha));
        figures.Add("agent said", Expect.Shorten(report[..report.IndexOf(", sha256", StringComparison.Ordinal)], 100));
    }

    /// <summary>The session's line about the transfer, if it comes within 5 s; null otherwise.</summary>
    private static async Task<string?> ReasonAsync(LineClient session, CancellationToken ct)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            return await session.ReadLineAsync(wait.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or UnexpectedReplyException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }
}
