using NetLab.Cli.Exercises;

namespace NetLab.Cli.Report;

/// <summary>Round trips: the TCP echo's spread, UDP's against it, and every UDP probe along its sequence.</summary>
internal static partial class Charts
{
    private static readonly int[] MarkedPercents = [10, 25, 50, 75, 90];

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
}
