using System.Net;
using NetLab.Wire;

namespace NetLab.Cli.Wire;

/// <summary>Which exercises show their ladders: <c>--wire</c> every one, <c>--no-wire</c> none, by default tcp, tls, http and ncat-file on a terminal.</summary>
internal enum WireMode
{
    Default,
    All,
    None,
}

/// <summary>What a run does with the wire: which ladders it shows, where --pcap saves the packets, and where they come from (null: the agent).</summary>
internal sealed record WireSettings(WireMode Mode = WireMode.Default, FileInfo? Pcap = null, IWireSource? Source = null)
{
    /// <summary>
    /// Whether <paramref name="exercise"/>'s packets are fetched: every exercise's with --wire or --pcap; by default
    /// those of the exercises whose ladders a terminal or a report shows, and none for --json (its <c>wire</c> comes
    /// with --wire). A class behind one address shares its packets, so each fetch carries the class's: only what is shown.
    /// </summary>
    public bool Fetches(Exercises.Exercise exercise, bool json) => Mode switch
    {
        WireMode.All => true,
        _ when Pcap is not null => true,
        WireMode.None => false,
        _ => !json && exercise.ShowsWireByDefault,
    };

    /// <summary>Whether <paramref name="exercise"/>'s ladders are shown.</summary>
    public bool Shows(Exercises.Exercise exercise, bool terminal) => Mode switch
    {
        WireMode.All => true,
        WireMode.None => false,
        _ => terminal && exercise.ShowsWireByDefault,
    };
}

/// <summary>
/// A run's packets: fetched after each exercise, grouped into the exercise's conversations (what is left of an
/// earlier connection, such as its last ACK, is not drawn again), all of them kept for --pcap.
/// </summary>
internal sealed class WireRun(IWireSource source, IReadOnlyCollection<int>? hostPorts)
{
    /// <summary>Every packet of the run, in the order fetched.</summary>
    public List<WirePacket> All { get; } = [];

    public WireVantage Vantage => source.Vantage;

    /// <summary>The one line to say when there will be no packets, else null.</summary>
    public Task<string?> StartAsync(CancellationToken ct) => source.StartAsync(ct);

    /// <summary>Skips what was seen since the last fetch (exercises not fetched), so the next fetch is one exercise's.</summary>
    public Task MarkAsync(CancellationToken ct) => source.MarkAsync(ct);

    /// <summary>The packets of the exercise just run, paired with its sockets' <paramref name="local"/> endpoints.</summary>
    public async Task<WireView> NextAsync(IReadOnlyList<(WireProtocol Protocol, IPEndPoint Local)> local, CancellationToken ct)
    {
        var packets = await source.NextAsync(ct);
        All.AddRange(packets);
        // A TCP connection is this exercise's when its SYN is among these packets; what comes without one is the end
        // of a connection from before (an earlier exercise's last ACK, the probe before the run), kept for --pcap only.
        var flows = WireFlow.Group(packets, hostPorts)
            .Where(f => f.Protocol != WireProtocol.Tcp || f.Packets[0].Has(TcpControlBits.Syn))
            .ToList();

        return WireView.Build(flows, local, source.Vantage);
    }
}
