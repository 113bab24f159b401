using NetLab.Cli.Lab;

namespace NetLab.Cli.Exercises;

/// <summary>One lab exercise: runs against an agent, records figures, throws <see cref="ExerciseFailure"/> when a check fails.</summary>
internal abstract class Exercise
{
    /// <summary>The id used by <c>--only</c>.</summary>
    public abstract string Id { get; }

    public abstract string Title { get; }

    /// <summary>One sentence on what it shows.</summary>
    public abstract string Teaches { get; }

    /// <summary>The classic command to try by hand: each command in `backticks` (kept whole on the console), the words between them plain.</summary>
    public abstract string TryByHand(string host, int port);

    /// <summary>The commands to try against this run's agent: as <see cref="TryByHand(string, int)"/>, and for a page, the URL a browser should use.</summary>
    public virtual string TryByHand(ExerciseContext context) => TryByHand(context.Host, context.Port);

    public abstract Task RunAsync(ExerciseContext context, Figures figures, CancellationToken ct);

    /// <summary>Whether its ladders are shown on a terminal without --wire: the exercises whose packets are the lesson.</summary>
    public virtual bool ShowsWireByDefault => false;

    /// <summary>
    /// What the ladders above show, as a sentence added to <see cref="Teaches"/> when they are shown; null when they
    /// show nothing to say. By default the handshake's round trip.
    /// </summary>
    public virtual string? WireLesson(Wire.WireView view) => Wire.WireLessons.Handshake(view);

    /// <summary>The backstop for this exercise, given the run's: more for one that may wait its turn behind classmates.</summary>
    public virtual TimeSpan Backstop(TimeSpan timeout) => timeout;
}

/// <summary>Everything an exercise needs to know about the agent it runs against.</summary>
internal sealed class ExerciseContext(string host, int port, KnownHosts pins, bool trustNewCert, bool localLab)
{
    public string Host { get; } = host;

    public int Port { get; } = port;

    public KnownHosts Pins { get; } = pins;

    public bool TrustNewCert { get; } = trustNewCert;

    /// <summary>True for <c>netlab lab</c>: the agent runs in-process on loopback (no SSH, no firewall).</summary>
    public bool LocalLab { get; } = localLab;

    /// <summary>The operating system netlab runs on, for the words that differ per OS (tests choose one).</summary>
    public Platform Platform { get; init; } = Platform.Current;

    /// <summary>
    /// The agent's web port (HTTP only: <c>netlab lab --serve</c> opens it at 5000, as the tutorial's Flask app), where
    /// a browser's silent early connections never get the text banner; null when it has none.
    /// </summary>
    public int? WebPort { get; init; }

    /// <summary>Which ladders to show, where --pcap saves the run's packets, and where the packets come from.</summary>
    public Wire.WireSettings Wire { get; init; } = new();

    /// <summary>
    /// The URL of <paramref name="path"/> for a browser: the web port when there is one, else HTTPS on the lab port
    /// (the client speaks first in TLS, so a preconnected socket is never taken for a silent nc).
    /// </summary>
    public string BrowserUrl(string path) => WebPort is { } web ? $"http://{Net.Endpoint(Host, web)}{path}" : $"https://{Net.Endpoint(Host, Port)}{path}";

    /// <summary>True when firewall rules can be judged: a remote host, not this machine's loopback.</summary>
    public bool Remote => !LocalLab && !(System.Net.IPAddress.TryParse(Host, out var ip) ? System.Net.IPAddress.IsLoopback(ip) : Host == "localhost");

    /// <summary>The TCP echo median, kept by the echo exercise for the UDP comparison.</summary>
    public double? TcpRttMedianMs { get; set; }

    /// <summary>The round-trip time as first seen (the TCP handshake), then as the echo exercise measured it; sizes waits.</summary>
    public TimeSpan? Rtt { get; set; }

    /// <summary>The path's rate, as the transfer exercise measured it (the slower way); sizes the later transfers.</summary>
    public double? BytesPerSecond { get; set; }

    /// <summary>How long to wait for an answer that takes one round trip, at least <paramref name="floor"/>.</summary>
    public TimeSpan WaitFor(TimeSpan floor, int roundTrips = 4) =>
        Rtt is { } rtt && rtt * roundTrips > floor ? rtt * roundTrips : floor;

    /// <summary>A text session that says /whoami first (see <see cref="LineClient.ConnectAsync"/>).</summary>
    public Task<LineClient> ConnectAsync(CancellationToken ct) => LineClient.ConnectAsync(Host, Port, ct, greet: true);

    /// <summary>A name unique to this run, for files and rooms.</summary>
    public static string UniqueName(string prefix) => $"{prefix}-{Environment.ProcessId}-{Random.Shared.Next(100000, 999999)}";
}

