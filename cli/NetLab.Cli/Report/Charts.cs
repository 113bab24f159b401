using NetLab.Cli.Exercises;

namespace NetLab.Cli.Report;

/// <summary>
/// The report's pictures, each drawn from an exercise's samples where a picture says more than its figures: how
/// round-trip times spread, where along the probes UDP lost or reordered, how the rate went along a transfer,
/// three copies side by side, and every HTTP request's status and time.
/// </summary>
internal static class Charts
{
    private static readonly int[] MarkedPercents = [10, 25, 50, 75, 90];

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

    /// <summary>A histogram of the TCP echo's round-trip times, its median and p99 marked.</summary>
    public static SvgChart EchoRtt(EchoSamples echo)
    {
        var rtts = echo.RttMs.Order().ToList();
        var median = Figures.Percentile(rtts, 50);
        var p99 = Figures.Percentile(rtts, 99);
        var (lo, hi, beyond) = Range(rtts, p99);
        var (xMin, xMax, xStep) = Ticks.Nice(lo, hi, 6);
        const int bins = 24;
        var width = (xMax - xMin) / bins;
        var counts = new int[bins];
        foreach (var v in rtts.Where(v => v <= hi))
        {
            counts[Math.Clamp((int)((v - xMin) / width), 0, bins - 1)]++;
        }

        var chart = new SvgChart("echo-rtt", $"TCP echo: round-trip times of {rtts.Count} probes",
            $"A histogram: how many of the {rtts.Count} echo probes took each round-trip time. Median {Figures.Ms(median)}, " +
            $"99th percentile {Figures.Ms(p99)}, fastest {Figures.Ms(rtts[0])}.{Beyond(beyond, rtts[^1])}");
        chart.Top = 26;
        var (yMin, yMax, yStep) = Ticks.Nice(0, Math.Max(counts.Max(), 1) * 1.15, 4);
        var x = chart.X(xMin, xMax);
        var y = chart.Y(yMin, yMax);
        chart.YAxis(y, yStep, "probes");
        chart.XAxis(x, xStep, "round-trip time (ms)");
        for (var i = 0; i < bins; i++)
        {
            if (counts[i] > 0)
            {
                var from = xMin + (i * width);
                chart.Rect(x[from] + 0.5, y[counts[i]], x[from + width] - x[from] - 1, y[0] - y[counts[i]], "bar s1",
                    $"{counts[i]} probes between {Figures.Ms(from)} and {Figures.Ms(from + width)}");
            }
        }

        var taken = new List<(double From, double To, int Row)>();
        Marked(chart, x, median, $"median {Figures.Ms(median)}", preferLeft: true, taken);
        Marked(chart, x, p99, $"p99 {Figures.Ms(p99)}", preferLeft: false, taken);
        if (beyond > 0)
        {
            chart.Text(chart.Right, chart.Top - 4, $"+{beyond} slower, up to {Figures.Ms(rtts[^1])} →", "note", "end");
        }

        return chart;
    }

    /// <summary>UDP's round-trip times against TCP's, as the share of probes answered within each time (lost ones never are).</summary>
    public static SvgChart UdpRtt(UdpSamples udp, EchoSamples? tcp)
    {
        var received = udp.Probes.Where(p => !p.Lost).Select(p => p.RttMs!.Value).Order().ToList();
        var tcpRtts = tcp?.RttMs.Order().ToList() ?? [];
        var lost = udp.Probes.Count - received.Count;
        var tails = new[] { received, tcpRtts }.Where(s => s.Count > 0).ToList();
        var p99 = tails.Count == 0 ? 1 : tails.Max(s => Figures.Percentile(s, 99));
        var all = tails.SelectMany(s => s).Order().ToList();
        var (lo, hi, _) = all.Count == 0 ? (0, 1, 0) : Range(all, p99);
        var (xMin, xMax, xStep) = Ticks.Nice(lo, hi, 6);

        var chart = new SvgChart("udp-rtt", "UDP vs TCP: share of probes answered within a time",
            $"Cumulative distribution of round-trip times: {received.Count} of {udp.Probes.Count} UDP probes answered" +
            (received.Count > 0 ? $", median {Figures.Ms(Figures.Percentile(received, 50))}" : "") +
            (tcpRtts.Count > 0 ? $"; {tcpRtts.Count} TCP echo probes, median {Figures.Ms(Figures.Percentile(tcpRtts, 50))}." : ". The TCP echo did not run, so there is no TCP line.") +
            (lost > 0 ? $" The UDP line stops short of 100 %: {lost} probes never came back." : ""), right: 70);
        var x = chart.X(xMin, xMax);
        var y = chart.Y(0, 100);
        chart.YAxis(y, 25, "answered within (% of probes)");
        chart.XAxis(x, xStep, "round-trip time (ms)");
        chart.Legend($"UDP ({received.Count}/{udp.Probes.Count} back)", "s1", Shape.Circle);
        if (tcpRtts.Count > 0)
        {
            chart.Legend($"TCP echo ({tcpRtts.Count})", "s2 dashed", Shape.Square);
        }

        var series = new List<(List<double> Rtts, int Of, string Cls, Shape Shape, string Name)> { (received, udp.Probes.Count, "s1", Shape.Circle, "UDP") };
        if (tcpRtts.Count > 0)
        {
            series.Add((tcpRtts, tcpRtts.Count, "s2 dashed", Shape.Square, "TCP"));
        }

        var ends = new List<(double Y, string Text, string Cls)>();
        foreach (var (rtts, of, cls, shape, name) in series)
        {
            if (rtts.Count == 0)
            {
                continue;
            }

            // A step up at each sample: the line reaches k/of at the k-th fastest time, and runs on flat to the right
            // edge at the share answered by then (the slowest, past the edge, are not drawn).
            var points = new List<(double, double)> { (x.Clamped(rtts[0]), y[0]) };
            var within = 0;
            for (; within < rtts.Count && rtts[within] <= xMax; within++)
            {
                points.Add((x[rtts[within]], y[100.0 * within / of]));
                points.Add((x[rtts[within]], y[100.0 * (within + 1) / of]));
            }

            points.Add((chart.Right, y[100.0 * within / of]));
            chart.Line(points, cls);
            foreach (var q in MarkedPercents)
            {
                var k = (int)Math.Ceiling(q / 100.0 * of); // the k-th fastest answer is the first within which q % of the probes sent were answered
                if (k >= 1 && k <= rtts.Count && rtts[k - 1] <= xMax)
                {
                    chart.Marker(shape, x[rtts[k - 1]], y[100.0 * k / of], cls, $"{name}: {q} % of probes answered within {Figures.Ms(rtts[k - 1])}");
                }
            }

            ends.Add((y[100.0 * within / of], name, cls));
        }

        EndLabels(chart, ends);
        return chart;
    }

    /// <summary>Every UDP probe along the sequence: its round-trip time, a triangle where it came back out of order, a cross where it never did.</summary>
    public static SvgChart UdpSequence(UdpSamples udp)
    {
        var probes = udp.Probes;
        var received = probes.Where(p => !p.Lost).Select(p => p.RttMs!.Value).Order().ToList();
        var lost = probes.Count(p => p.Lost);
        var reordered = probes.Count(p => p.Reordered);
        var p99 = received.Count > 0 ? Figures.Percentile(received, 99) : 1;
        var top = received.Count == 0 ? 1 : received[^1] > 3 * p99 ? p99 * 1.2 : received[^1];
        var above = received.Count(v => v > top);
        var (_, yMax, yStep) = Ticks.Nice(0, top, 4);
        var (_, xMax, xStep) = Ticks.Nice(0, probes.Count, 5);

        var chart = new SvgChart("udp-sequence", $"UDP probes in the order sent: {lost} lost, {reordered} reordered",
            $"Each of the {probes.Count} UDP probes by its sequence number: a dot at its round-trip time; a triangle for a probe " +
            $"that came back after a later one ({reordered}); a cross in the top row for a probe that never came back ({lost})." +
            (above > 0 ? $" {above} slower probes are drawn at the top edge." : ""), height: 248);
        chart.Top = 52;
        var x = chart.X(0, xMax);
        var y = chart.Y(0, yMax);
        chart.YAxis(y, yStep, "round-trip time (ms)");
        chart.XAxis(x, xStep, "probe sequence number");
        chart.Legend("in order", "s1", Shape.Circle, line: false);
        chart.Legend("reordered", "s2", Shape.Triangle, line: false);
        chart.Legend("lost", "bad", Shape.Cross, line: false);

        // The lost lane: a row above the plot, where crosses mark the probes that never came back.
        var lane = chart.Top - 14;
        chart.Rule(chart.Left, lane, chart.Right, lane, "lane");
        chart.Text(chart.Left - 6, lane + 4, "lost", "tick", "end");
        foreach (var p in probes)
        {
            if (p.Lost)
            {
                chart.Marker(Shape.Cross, x[p.Seq], lane, "bad", $"probe {p.Seq}: lost", 3.4);
            }
            else if (p.Reordered)
            {
                chart.Marker(Shape.Triangle, x[p.Seq], y.Clamped(p.RttMs!.Value), "s2",
                    $"probe {p.Seq}: {Figures.Ms(p.RttMs.Value)}, came back {p.Arrival + 1}th, after a probe sent later", 4);
            }
            else
            {
                chart.Marker(Shape.Circle, x[p.Seq], y.Clamped(p.RttMs!.Value), "s1", $"probe {p.Seq}: {Figures.Ms(p.RttMs.Value)}", 2.1);
            }
        }

        return chart;
    }

    /// <summary>The transfer's rate along the way, upload and download, each from its own start.</summary>
    public static SvgChart TransferRate(TransferSamples transfer)
    {
        var series = new[] { ("upload", transfer.Upload, "s1", Shape.Circle), ("download", transfer.Download, "s2 dashed", Shape.Square) };
        var longest = Math.Max(transfer.Upload.Ms, transfer.Download.Ms);
        var seconds = longest >= 2000;
        var (_, xMax, xStep) = Ticks.Nice(0, seconds ? longest / 1000 : longest, 5);
        var top = series.SelectMany(s => s.Item2.Intervals).Select(i => i.RateMBps).DefaultIfEmpty(1).Max();
        var (_, yMax, yStep) = Ticks.Nice(0, top * 1.08, 4);
        var mbps = (RateSeries s) => Figures.MBps(s.Bytes, TimeSpan.FromMilliseconds(Math.Max(s.Ms, 1e-3)));

        var chart = new SvgChart("transfer-rate", $"Transfer: the rate along {Figures.Size(transfer.Upload.Bytes)} up and down",
            $"MB/s in each of {transfer.Upload.Intervals.Count} equal intervals of the upload, as netlab handed the bytes to TCP until the agent answered " +
            $"({Figures.Size(transfer.Upload.Bytes)} in {Figures.Ms(transfer.Upload.Ms)}, " +
            $"{mbps(transfer.Upload):F1} MB/s on average) and of the download ({Figures.Size(transfer.Download.Bytes)} in {Figures.Ms(transfer.Download.Ms)}, {mbps(transfer.Download):F1} MB/s).",
            right: 24);
        var x = chart.X(0, xMax);
        var y = chart.Y(0, yMax);
        chart.YAxis(y, yStep, "rate (MB/s)");
        chart.XAxis(x, xStep, seconds ? "time since it began (s)" : "time since it began (ms)");
        var peaks = new List<(double X, double Y, string Text, string Cls)>();
        foreach (var (name, s, cls, shape) in series)
        {
            chart.Legend(name, cls, shape);
            var points = s.Intervals.Select(i => (X: x[(i.StartMs + (s.IntervalMs / 2)) / (seconds ? 1000 : 1)], Y: y[i.RateMBps])).ToList();
            chart.Line(points, cls);
            // A marker on every few points, enough to tell the lines apart in grey without crowding them.
            for (var i = 0; i < points.Count; i += Math.Max(1, (points.Count + 11) / 12))
            {
                var interval = s.Intervals[i];
                chart.Marker(shape, points[i].X, points[i].Y, cls, $"{name}: {interval.RateMBps:F1} MB/s from {Figures.Ms(interval.StartMs)} to {Figures.Ms(interval.StartMs + s.IntervalMs)}", 2.4);
            }

            if (points.Count > 0)
            {
                var peak = points.MaxBy(p => -p.Y); // the highest point: the line's name goes there, where it is clear of the axis
                peaks.Add((peak.X, peak.Y, name, cls.Split(' ')[0]));
            }
        }

        // An upload that sends its headers first (Expect: 100-continue, as curl -T does) waits a round trip or more for
        // the agent's go-ahead before the first byte of the body: said where the line lies flat.
        var firstBytes = transfer.Upload.Intervals.FirstOrDefault(i => i.Bytes > 0);
        if (firstBytes is not null && firstBytes.StartMs > transfer.Upload.Ms * 0.15)
        {
            var to = x[firstBytes.StartMs / (seconds ? 1000 : 1)];
            chart.Rule(x[0] + 2, y[0] - 10, to - 2, y[0] - 10, "span");
            chart.Text((x[0] + to) / 2, y[0] - 15, to - x[0] > 150 ? "upload waits for “100 Continue”" : "waits", "note", "middle");
        }

        foreach (var (px, py, text, cls) in peaks)
        {
            // Above the peak, centred on it and held inside the plot: nothing of its own line is higher there.
            var half = Html.TextWidth(text, SvgChart.LayoutFontSize) / 2;
            chart.Text(Math.Clamp(px, chart.Left + half, chart.Right - half), py - 8, text, $"label {cls}", "middle");
        }
        return chart;
    }

    /// <summary>The tutorial's claim, measured: the same bytes through a pipe, a loopback socket, and from the agent.</summary>
    public static SvgChart PipeVsSocket(PipeVsSocketSamples copies)
    {
        var rates = copies.Rates;
        var fastest = rates.Select(r => r.RateMBps).DefaultIfEmpty(1).Max();
        var slowest = Math.Max(rates.Select(r => r.RateMBps).DefaultIfEmpty(1).Min(), 0.001);
        // Across a network the agent can be a thousand times slower than the pipe: then each step of the axis is ten
        // times the last, so its bar is still there to see (the labels give the numbers either way).
        var logarithmic = fastest / slowest > 30;
        const double row = 46;
        var chart = new SvgChart("pipe-vs-socket", "Pipe vs socket: the same kind of bytes, three ways",
            "Bars of the rate each copy reached: " + string.Join("; ", rates.Select(r => $"{r.Label} {r.RateMBps:F1} MB/s ({Figures.Size(r.Bytes)} in {r.Seconds:F2} s)")) + ".",
            height: 24 + (rates.Count * row) + 46, left: 16, right: 24);
        chart.Top = 24;
        Func<double, double> at;
        if (logarithmic)
        {
            var (lo, hi) = (Math.Floor(Math.Log10(slowest)), Math.Ceiling(Math.Log10(fastest * 1.05)));
            var x = chart.X(lo, hi);
            chart.XAxis(x, 1, "rate (MB/s), ten times more at each step", v => Ticks.Format(Math.Pow(10, v), Math.Pow(10, v)));
            at = v => x.Clamped(Math.Log10(Math.Max(v, slowest)));
        }
        else
        {
            var (_, xMax, xStep) = Ticks.Nice(0, fastest * 1.05, 4);
            var x = chart.X(0, xMax);
            chart.XAxis(x, xStep, "rate (MB/s)");
            at = v => x[v];
        }

        var classes = new[] { "bar s1", "bar s1 hatched", "bar s2" };
        chart.Defs(Hatch(chart.Id("hatch")));
        for (var i = 0; i < rates.Count; i++)
        {
            var r = rates[i];
            var top = chart.Top + 6 + (i * row);
            chart.Text(chart.Left, top + 10, r.Label, "label");
            var end = Math.Max(at(r.RateMBps), chart.Left + 2);
            var cls = classes[i % classes.Length];
            chart.Rect(chart.Left, top + 16, end - chart.Left, 18, cls.Replace("hatched", "", StringComparison.Ordinal).Trim(),
                $"{r.Label}: {r.RateMBps:F1} MB/s, {Figures.Size(r.Bytes)} in {r.Seconds:F3} s");
            if (cls.Contains("hatched", StringComparison.Ordinal))
            {
                chart.Rect(chart.Left, top + 16, end - chart.Left, 18, "hatch-over", fill: $"url(#{chart.Id("hatch")})");
            }

            var value = $"{r.RateMBps:#,0.0} MB/s";
            var inside = end - chart.Left > Html.TextWidth(value, SvgChart.LayoutFontSize) + 16 && end > chart.Right - 90;
            chart.Text(inside ? end - 6 : end + 6, top + 29, value, inside ? "value inbar" : "value", inside ? "end" : "start");
        }

        return chart;
    }

    /// <summary>Every HTTP request: its status (in words, not colour alone) and how long the exchange took.</summary>
    public static SvgChart HttpRoutes(string id, HttpSamples http)
    {
        var routes = http.Routes;
        const double row = 38;
        var (_, xMax, xStep) = Ticks.Nice(0, routes.Max(r => r.Ms) * 1.25, 4); // room after the longest bar for its time
        var name = id == "https" ? "HTTPS" : "HTTP";
        var chart = new SvgChart($"{id}-routes", $"{name}: every request, its status and its time",
            $"One bar per request, as long as the exchange took: " +
            string.Join("; ", routes.Select(r => $"{r.Request} gave {r.Status} {StatusWords(r)} in {Figures.Ms(r.Ms)}" + (r.Status != r.Expected ? $" (expected {r.Expected})" : ""))) + ".",
            height: 24 + (routes.Count * row) + 46, left: 16, right: 24);
        chart.Top = 24;
        chart.Defs(Hatch(chart.Id("hatch")));
        var x = chart.X(0, xMax);
        chart.XAxis(x, xStep, "time for the whole exchange (ms)");
        for (var i = 0; i < routes.Count; i++)
        {
            var r = routes[i];
            var top = chart.Top + 4 + (i * row);
            var ok = r.Status == r.Expected;
            chart.Text(chart.Left, top + 10, $"{r.Request} → {r.Status} {StatusWords(r)}{(ok ? "" : $"  ✗ expected {r.Expected}")}", ok ? "label" : "label bad");
            var end = Math.Max(x[r.Ms], chart.Left + 2);
            var cls = r.Status switch { < 300 => "bar s1", < 400 => "bar s1", _ => "bar s2" };
            chart.Rect(chart.Left, top + 15, end - chart.Left, 14, cls, $"{r.Request}: {r.Status} {StatusWords(r)} in {Figures.Ms(r.Ms)}");
            if (r.Status is >= 300 and < 400)
            {
                chart.Rect(chart.Left, top + 15, end - chart.Left, 14, "hatch-over", fill: $"url(#{chart.Id("hatch")})");
            }

            chart.Text(end + 5, top + 26, Figures.Ms(r.Ms), "value");
        }

        return chart;
    }

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
