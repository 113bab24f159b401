using NetLab.Cli.Exercises;

namespace NetLab.Cli.Report;

/// <summary>
/// The report's pictures, each drawn from an exercise's samples where a picture says more than its figures: how
/// round-trip times spread, where along the probes UDP lost or reordered, how the rate went along a transfer,
/// three copies side by side, and every HTTP request's status and time.
/// </summary>
internal static partial class Charts
{
    /// <summary>The charts for one exercise (none for one without samples); <paramref name="run"/> lends other exercises' samples to compare with.</summary>
    public static IEnumerable<SvgChart> For(ExerciseResult result, RunReport run) => result.Samples switch
    {
        EchoSamples { RttMs.Count: > 0 } echo => [EchoRtt(echo)],
        UdpSamples udp => [UdpRtt(udp, run.Exercises.Select(e => e.Samples).OfType<EchoSamples>().FirstOrDefault()), UdpSequence(udp)],
        TransferSamples transfer => [TransferRate(transfer)],
        PipeVsSocketSamples copies => [PipeVsSocket(copies)],
        HttpSamples { Routes.Count: > 0 } http => [HttpRoutes(result.Id, http)],
        _ => [],
    };

    /// <summary>The lowest and highest value drawn: the slowest one percent, past the p99, are left off (and counted), so they do not squash the rest.</summary>
    private static (double Lo, double Hi, int Beyond) Range(List<double> sorted, double p99)
    {
        var hi = Math.Min(sorted[^1], p99 * 1.15);
        var lo = sorted[0] > hi / 2 ? sorted[0] : 0; // far from zero (a long path): start near the data, not at zero
        var beyond = sorted.Count(v => v > hi);
        return (lo, hi, beyond);
    }

    private static string Beyond(int beyond, double slowest) =>
        beyond > 0 ? $" {beyond} slower probes, up to {Figures.Ms(slowest)}, are beyond the right edge." : "";

    /// <summary>Each line named right of its end, in its colour; two ends close together move apart.</summary>
    private static void EndLabels(SvgChart chart, List<(double Y, string Text, string Cls)> ends)
    {
        if (ends.Count == 2 && Math.Abs(ends[0].Y - ends[1].Y) < 14)
        {
            var mid = (ends[0].Y + ends[1].Y) / 2;
            var upper = ends[0].Y <= ends[1].Y ? 0 : 1;
            ends[upper] = ends[upper] with { Y = Math.Max(mid - 7, chart.Top - 8) };
            ends[1 - upper] = ends[1 - upper] with { Y = ends[upper].Y + 14 };
        }

        foreach (var (y, text, cls) in ends)
        {
            chart.Text(chart.Right + 6, y + 4, text, $"label {cls.Split(' ')[0]}");
        }
    }

    /// <summary>
    /// A vertical line across the plot at <paramref name="value"/>, named at its top: on the side preferred if the
    /// name fits there, on the other if not, and a row lower if it would touch a name already placed.
    /// </summary>
    private static void Marked(SvgChart chart, Scale x, double value, string label, bool preferLeft, List<(double From, double To, int Row)> taken)
    {
        var px = x.Clamped(value);
        chart.Rule(px, chart.Top, px, chart.Bottom, "rule");
        var width = Html.TextWidth(label, SvgChart.LayoutFontSize) + 4;
        var left = preferLeft ? px - 4 - width >= chart.Left : px + 4 + width > chart.Right;
        var (from, to) = left ? (px - 4 - width, px - 4) : (px + 4, px + 4 + width);
        var row = 0;
        while (taken.Any(t => t.Row == row && t.From < to && from < t.To))
        {
            row++;
        }

        taken.Add((from, to, row));
        chart.Text(left ? px - 4 : px + 4, chart.Top + 12 + (row * 15), label, "label", left ? "end" : "start");
    }

    private static string StatusWords(HttpRouteSample r) =>
        r.StatusLine.StartsWith(r.Status.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal) ? r.StatusLine[3..].Trim() : r.StatusLine;

    private static string Hatch(string id) =>
        $"""<pattern id="{id}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line class="hatch" x1="0" y1="0" x2="0" y2="6" /></pattern>""";
}
