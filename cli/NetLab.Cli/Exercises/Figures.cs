using System.Globalization;

namespace NetLab.Cli.Exercises;

/// <summary>
/// An exercise's figures, twice: for people, one line each ("RTT median: 0.090 ms"), in the order measured; for
/// scripts (<c>--json</c>), typed values, numbers with their unit in the key (<c>rttMedianMs: 0.09</c>), text as
/// text, so a grader never parses "6.0 ms".
/// </summary>
internal sealed class Figures
{
    private readonly OrderedDictionary<string, string> _display = [];
    private readonly OrderedDictionary<string, object> _values = [];

    /// <summary>The lines shown: name, and the value as people read it.</summary>
    public IReadOnlyDictionary<string, string> Display => _display;

    /// <summary>The values for JSON, by key.</summary>
    public IReadOnlyDictionary<string, object> Values => _values;

    /// <summary>
    /// The samples behind the figures (each RTT, each UDP probe, the rate per interval; see Samples.cs), for the HTML
    /// report's charts and for JSON; null for an exercise that keeps none.
    /// </summary>
    public object? Samples { get; set; }

    /// <summary>A fact in words (a banner, a cipher, a port's state): shown as it is, and kept under <paramref name="key"/> (default: the name in camelCase).</summary>
    public void Add(string name, string text, string? key = null) => Add(name, text, (key ?? Key(name), text));

    /// <summary>
    /// A measurement: shown in its unit's usual form (with <paramref name="note"/> after it), and kept as a number
    /// under <paramref name="key"/>, by default the name in camelCase with the unit's suffix (RTT median, ms: rttMedianMs).
    /// </summary>
    public void Add(string name, double value, Unit unit, string? key = null, string? note = null) =>
        Add(name, note is null ? unit.Display(value) : $"{unit.Display(value)} {note}", (key ?? Key(name) + unit.Suffix, unit.Json(value)));

    /// <summary>One line for people, any number of values for JSON (sent / received: 200 / 198 is sent and received).</summary>
    public void Add(string name, string display, params (string Key, object Value)[] values)
    {
        _display[name] = display;
        foreach (var (key, value) in values)
        {
            _values[key] = value;
        }
    }

    /// <summary>A value for JSON only, with nothing to show people (a count that is zero on every good path).</summary>
    public void Value(string key, object value) => _values[key] = value;

    /// <summary>The name as a JSON key: "RTT median" is rttMedian, "SHA-256" is sha256.</summary>
    internal static string Key(string name)
    {
        var words = name.Split([' ', '-', '/', '(', ')', ',', '.', ':'], StringSplitOptions.RemoveEmptyEntries);
        return string.Concat(words.Select((w, i) => i == 0 ? w.ToLowerInvariant() : char.ToUpperInvariant(w[0]) + w[1..].ToLowerInvariant()));
    }

    public static string Ms(double ms) => ms >= 100 ? $"{ms:F0} ms" : ms >= 1 ? $"{ms:F1} ms" : $"{ms:F3} ms";

    /// <summary>A byte count as people read it: 8 MiB, 640 KiB, 900 bytes.</summary>
    public static string Size(long bytes) => bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? $"{bytes >> 20} MiB"
        : bytes >= 1 << 20 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1 << 20):F1} MiB")
        : bytes >= 1 << 10 ? $"{bytes >> 10} KiB"
        : $"{bytes} bytes";

    /// <summary>A rate in MB/s (10^6 bytes a second, as iperf and pv print them).</summary>
    public static double MBps(long bytes, TimeSpan elapsed) => bytes / Math.Max(elapsed.TotalSeconds, 1e-9) / 1e6;

    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}

/// <summary>A figure's unit: its suffix in JSON keys, how people read it, and the precision JSON keeps.</summary>
internal sealed class Unit
{
    private readonly Func<double, string> _display;
    private readonly int _decimals;

    private Unit(string suffix, int decimals, Func<double, string> display)
    {
        Suffix = suffix;
        _decimals = decimals;
        _display = display;
    }

    public static Unit Ms { get; } = new("Ms", 3, Figures.Ms);

    public static Unit MBps { get; } = new("MBps", 2, v => string.Create(CultureInfo.InvariantCulture, $"{v:F1} MB/s"));

    public static Unit Percent { get; } = new("Percent", 2, v => string.Create(CultureInfo.InvariantCulture, $"{v:F1} %"));

    public static Unit Bytes { get; } = new("Bytes", 0, v => Figures.Size((long)v));

    /// <summary>A plain count (probes, reordered datagrams): no suffix.</summary>
    public static Unit Count { get; } = new("", 0, v => ((long)v).ToString(CultureInfo.InvariantCulture));

    public string Suffix { get; }

    public string Display(double value) => _display(value);

    public object Json(double value) => _decimals == 0 ? (long)value : Math.Round(value, _decimals);
}
