namespace NetLab.Cli.Exercises;

internal sealed class ChatterExercise : Exercise
{
    private static readonly string[] Replies = ["What?", "What?", "Bye!"];

    public override string Id => "chatter";

    public override string Title => "The silly chatter";

    public override string Teaches => "A server is just a program reading lines from a socket: this one answers every line \"What?\" and closes on q.";

    public override string TryByHand(string host, int port) => $"`nc {host} {port}`   (type anything, then q)";

    public override async Task RunAsync(ExerciseContext context, Figures figures, CancellationToken ct)
    {
        await using var client = await context.ConnectAsync(ct);
        await client.ReadBannerAsync(ct);
        foreach (var line in new[] { "hello", "what is TCP?" })
        {
            await client.SendLineAsync(line, ct);
            Expect.Equal("What?", await client.ReadLineAsync(ct), $"the answer to \"{line}\"");
        }

        await client.SendLineAsync("q", ct);
        Expect.Equal("Bye!", await client.ReadLineAsync(ct), "the answer to q");
        Expect.That(await client.AtEndAsync(ct), "the agent to close the connection after q", "more data");
        figures.Add("replies", "What?, What?, Bye! then closed", ("replies", Replies), ("closedAfterQ", true));
    }
}
