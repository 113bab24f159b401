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
        var heard = await bob.ReadLineMatchingAsync(l => l.EndsWith("> hello from alice", StringComparison.Ordinal), "alice's line relayed to bob", ct);
        await bob.SendLineAsync("hi alice", ct);
        await alice.ReadLineMatchingAsync(l => l.EndsWith("> hi alice", StringComparison.Ordinal), "bob's line relayed to alice", ct);

        figures.Add("room", room);
        figures.Add("bob saw", heard);
    }
}
