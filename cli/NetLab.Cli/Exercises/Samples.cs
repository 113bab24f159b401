using System.Diagnostics;
using System.Text.Json.Serialization;

namespace NetLab.Cli.Exercises;

// The measurements behind an exercise's figures, sample by sample: what the HTML report draws, and what --json
// carries under each exercise's "samples" (netlab.connect/3). Every list is bounded (200 probes, 40 intervals).

/// <summary>echo: every probe's round-trip time, in the order sent.</summary>
internal sealed record EchoSamples([property: JsonPropertyName("rttMs")] IReadOnlyList<double> RttMs);

/// <summary>udp: every probe sent, in sequence order, whether it came back, and when.</summary>
internal sealed record UdpSamples([property: JsonPropertyName("probes")] IReadOnlyList<UdpProbe> Probes);

/// <summary>
/// One UDP probe: lost, or its round-trip time and its place among the replies (<c>arrival</c> 0 came back first);
/// <c>reordered</c> when it came back after a probe sent later than it.
/// </summary>
internal sealed record UdpProbe(
    [property: JsonPropertyName("seq")] int Seq,
    [property: JsonPropertyName("lost")] bool Lost,
    [property: JsonPropertyName("rttMs")] double? RttMs,
    [property: JsonPropertyName("arrival")] int? Arrival,
    [property: JsonPropertyName("reordered")] bool Reordered);

/// <summary>transfer: the rate along the upload and along the download, each from its own start.</summary>
internal sealed record TransferSamples(
    [property: JsonPropertyName("upload")] RateSeries Upload,
    [property: JsonPropertyName("download")] RateSeries Download);

/// <summary>A transfer cut into equal intervals: how many bytes moved in each, and at what rate.</summary>
internal sealed record RateSeries(
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("ms")] double Ms,
    [property: JsonPropertyName("intervalMs")] double IntervalMs,
    [property: JsonPropertyName("intervals")] IReadOnlyList<RateInterval> Intervals);

internal sealed record RateInterval(
    [property: JsonPropertyName("startMs")] double StartMs,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("rateMBps")] double RateMBps);

/// <summary>pipe-vs-socket: the three copies measured, as bytes moved in a time.</summary>
internal sealed record PipeVsSocketSamples([property: JsonPropertyName("rates")] IReadOnlyList<RateMeasured> Rates);

/// <summary>One copy: <c>pipe</c>, <c>loopbackSocket</c> or <c>agent</c>, its label as shown, and what it moved.</summary>
internal sealed record RateMeasured(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("rateMBps")] double RateMBps);

/// <summary>http, https: every request sent, the status it had to get and the one it got, and the time it took.</summary>
internal sealed record HttpSamples([property: JsonPropertyName("routes")] IReadOnlyList<HttpRouteSample> Routes);

internal sealed record HttpRouteSample(
    [property: JsonPropertyName("request")] string Request,
    [property: JsonPropertyName("expected")] int Expected,
    [property: JsonPropertyName("status")] int Status,
    [property: JsonPropertyName("statusLine")] string StatusLine,
    [property: JsonPropertyName("ms")] double Ms);

/// <summary>
/// Bytes moved, with the time of each step, turned afterwards into equal intervals: a transfer that took 8 ms on
/// loopback and one that took a second over a slow path both give up to <see cref="MaxIntervals"/> points.
/// </summary>
internal sealed class RateRecorder
{
    public const int MaxIntervals = 40;
    private readonly List<(long Ticks, long Total)> _steps = [(0, 0)];
    private long _start;

    public long Bytes { get; private set; }

    /// <summary>Time zero (the first <see cref="Add"/> starts the clock if this was not called).</summary>
    public void Start() => _start = Stopwatch.GetTimestamp();

    /// <summary>The end of the exchange, after the last bytes (an upload ends when the answer comes, not when the last bytes went into the socket).</summary>
    public void End() => _steps.Add((Stopwatch.GetTimestamp() - _start, Bytes));

    public void Add(long bytes)
    {
        if (_start == 0)
        {
            Start();
        }

        // The bytes move at the moment they are handed over: nothing moved since the last step, then all of them.
        var now = Stopwatch.GetTimestamp() - _start;
        _steps.Add((now, Bytes));
        Bytes += bytes;
        _steps.Add((now, Bytes));
    }

    public RateSeries Series()
    {
        var end = _steps[^1].Ticks;
        var ms = end * 1000.0 / Stopwatch.Frequency;
        var count = Math.Clamp((_steps.Count - 1) / 2, 1, MaxIntervals);
        var intervals = new List<RateInterval>(count);
        var width = end / (double)count;
        var before = 0.0;
        for (var i = 0; i < count; i++)
        {
            var at = TotalAt(width * (i + 1));
            var bytes = (long)Math.Round(at - before);
            intervals.Add(new RateInterval(Math.Round(ms * i / count, 3), bytes, width > 0 ? Math.Round(bytes / (width / Stopwatch.Frequency) / 1e6, 2) : 0));
            before += bytes;
        }

        return new RateSeries(Bytes, Math.Round(ms, 3), Math.Round(ms / count, 3), intervals);
    }

    /// <summary>The bytes moved by <paramref name="ticks"/>: a step's total until the next step, which may spread its bytes over the time between.</summary>
    private double TotalAt(double ticks)
    {
        var i = _steps.FindLastIndex(s => s.Ticks <= ticks);
        if (i < 0 || i == _steps.Count - 1)
        {
            return i < 0 ? 0 : _steps[i].Total;
        }

        var (t0, b0) = _steps[i];
        var (t1, b1) = _steps[i + 1];
        return t1 == t0 ? b0 : b0 + ((b1 - b0) * (ticks - t0) / (t1 - t0));
    }
}
