using System.Globalization;
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

    /// <summary>The classic command to try by hand.</summary>
    public abstract string TryByHand(string host, int port);

    public abstract Task RunAsync(ExerciseContext context, Figures figures, CancellationToken ct);
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
    public string UniqueName(string prefix) => $"{prefix}-{Environment.ProcessId}-{Random.Shared.Next(100000, 999999)}";
}

/// <summary>An exercise's figures, in the order they were measured.</summary>
internal sealed class Figures : List<KeyValuePair<string, string>>
{
    public void Add(string name, string value) => Add(new KeyValuePair<string, string>(name, value));

    public static string Ms(double ms) => ms >= 100 ? $"{ms:F0} ms" : ms >= 1 ? $"{ms:F1} ms" : $"{ms:F3} ms";

    /// <summary>A byte count as people read it: 8 MiB, 640 KiB, 900 bytes.</summary>
    public static string Size(long bytes) => bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? $"{bytes >> 20} MiB"
        : bytes >= 1 << 20 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1 << 20):F1} MiB")
        : bytes >= 1 << 10 ? $"{bytes >> 10} KiB"
        : $"{bytes} bytes";

    public static string MBps(long bytes, TimeSpan elapsed) =>
        string.Create(CultureInfo.InvariantCulture, $"{bytes / Math.Max(elapsed.TotalSeconds, 1e-9) / 1e6:F1} MB/s");

    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}
