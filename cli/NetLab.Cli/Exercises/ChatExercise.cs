using NetLab.Cli.Lab;

namespace NetLab.Cli.Exercises;

internal sealed class ChatExercise : Exercise
{
    public override string Id => "chat";

    public override string Title => "Two clients in one chat room";

    public override string Teaches => "A server can relay between its clients: two sockets, one room, each line goes to the other (ncat --chat).";

    public override string TryByHand(string host, int port) => $"in two terminals: `ncat {host} {port}`, then `/join lab` in both";

    public override async Task RunAsync(ExerciseContext context, Figures figures, CancellationToken ct)
    {
        var room = ExerciseContext.UniqueName("room");
        // Both at once: two round trips for the two connections, not four.
        var connecting = await Task.WhenAll(context.ConnectAsync(ct), context.ConnectAsync(ct));
        await using var alice = connecting[0];
        await using var bob = connecting[1];
        await Task.WhenAll(alice.ReadBannerAsync(ct), bob.ReadBannerAsync(ct));

        await alice.SendLineAsync($"/join {room}", ct);
        await alice.ReadLineMatchingAsync(l => l.StartsWith($"OK joined {room}", StringComparison.Ordinal), $"\"OK joined {room}\"", ct);
        await bob.SendLineAsync($"/join {room}", ct);
        var joined = await bob.ReadLineMatchingAsync(l => l.StartsWith($"OK joined {room}", StringComparison.Ordinal), $"\"OK joined {room}\"", ct);
        Expect.That(joined.Contains(": 2 here", StringComparison.Ordinal), "2 members in the room", $"\"{joined}\"");

        await alice.SendLineAsync("hello from alice", ct);
        var heard = await RelayedAsync(context, alice, bob, "hello from alice", "alice's line relayed to bob", ct);
        await bob.SendLineAsync("hi alice", ct);
        await RelayedAsync(context, bob, alice, "hi alice", "bob's line relayed to alice", ct);

        figures.Add("room", room);
        figures.Add("bob saw", heard);
    }

    /// <summary>
    /// The line as the listener sees it. When it does not come in a while, the agent may have refused the speaker's
    /// line (a limit: the egress budget, say); then the failure is the agent's sentence, not a timeout.
    /// </summary>
    private static async Task<string> RelayedAsync(ExerciseContext context, LineClient speaker, LineClient listener, string line, string what, CancellationToken ct)
    {
        using var relay = CancellationTokenSource.CreateLinkedTokenSource(ct);
        relay.CancelAfter(context.WaitFor(TimeSpan.FromSeconds(5), roundTrips: 8));
        try
        {
            return await listener.ReadLineMatchingAsync(l => l.EndsWith($"> {line}", StringComparison.Ordinal), what, relay.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            var why = await speaker.ReadLineMatchingAsync(l => l.StartsWith("ERROR ", StringComparison.Ordinal), $"{what}, or the agent's reason why not", ct);
            throw new ExerciseFailure(what, why);
        }
    }
}
