using NetLab.Cli.Exercises;

namespace NetLab.Cli.Report;

/// <summary>Rates: the transfer's along the way, and pipe vs loopback socket vs the agent.</summary>
internal static partial class Charts
{
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
}
