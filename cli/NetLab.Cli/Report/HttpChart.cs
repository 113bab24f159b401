using NetLab.Cli.Exercises;

namespace NetLab.Cli.Report;

/// <summary>Every HTTP and HTTPS request: its status and its time.</summary>
internal static partial class Charts
{
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
}
