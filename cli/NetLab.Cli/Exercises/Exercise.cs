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

    public Task<LineClient> ConnectAsync(CancellationToken ct) => LineClient.ConnectAsync(Host, Port, ct);

    /// <summary>A name unique to this run, for files and rooms.</summary>
    public string UniqueName(string prefix) => $"{prefix}-{Environment.ProcessId}-{Random.Shared.Next(100000, 999999)}";
}

/// <summary>An exercise's figures, in the order they were measured.</summary>
internal sealed class Figures : List<KeyValuePair<string, string>>
{
    public void Add(string name, string value) => Add(new KeyValuePair<string, string>(name, value));

    public static string Ms(double ms) => ms >= 100 ? $"{ms:F0} ms" : ms >= 1 ? $"{ms:F1} ms" : $"{ms:F3} ms";

    public static string MBps(long bytes, TimeSpan elapsed) =>
        string.Create(CultureInfo.InvariantCulture, $"{bytes / Math.Max(elapsed.TotalSeconds, 1e-9) / 1e6:F1} MB/s");

    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}
