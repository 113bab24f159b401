using NetLab.Agent;
using NetLab.Cli.Lab;

namespace NetLab.Cli.Exercises;

internal sealed class PortsExercise : Exercise
{
    private static readonly int[] MustNotBeOpen = [25, 80, 110, 443];

    public override string Id => "ports";

    public override string Title => "Ports and the firewall";

    public override string Teaches => "A port is open when something listens and the firewall lets you in, closed when nothing listens (RST), filtered when a firewall drops you.";

    public override string? WireLesson(Wire.WireView view) => Wire.WireLessons.Ports(view);

    public override string TryByHand(string host, int port) => $"`nc -zv {host} 22 25 80 110 443 {port}`";

    public override async Task RunAsync(ExerciseContext context, Figures figures, CancellationToken ct)
    {
        int[] ports = [LabPorts.Ssh, .. MustNotBeOpen, context.Port];
        // An open port answers within a round trip (or a retransmitted SYN, after a second); silence past that is a firewall.
        var results = await PortScanner.ScanAsync(context.Host, ports, context.WaitFor(TimeSpan.FromSeconds(1.5)), ct);
        foreach (var r in results)
        {
            figures.Add($"{r.Port}/tcp {(r.Port == context.Port ? "netlab-agent" : r.Service)}", Name(r.State), key: $"{r.Port}/tcp");
        }

        var agent = State(results, context.Port);
        Expect.That(agent == PortState.Open, $"the agent's port {context.Port} open", Name(agent));
        if (!context.Remote)
        {
            // On loopback there is no firewall and maybe no sshd: the other ports are shown, not judged.
            return;
        }

        var ssh = State(results, LabPorts.Ssh);
        Expect.That(ssh == PortState.Open, "22/ssh open (the lab host is reached by ssh)", Name(ssh));
        foreach (var port in MustNotBeOpen)
        {
            Expect.That(State(results, port) != PortState.Open, $"{port}/{PortScanner.ServiceName(port)} closed or filtered (only 22 and {context.Port} should be open)", "open");
        }
    }

    private static PortState State(IReadOnlyList<PortResult> results, int port) => results.First(r => r.Port == port).State;

    private static string Name(PortState state) => state.ToString().ToLowerInvariant();
}
