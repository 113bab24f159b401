using NetLab.Wire;

namespace NetLab.Cli.Report;

/// <summary>
/// An exercise's connections as ladder diagrams: "you" on the left, the lab host on the right, one arrow per packet
/// in the order seen, its label above it and its time at the left; a packet the path lost stops half-way with a cross,
/// and the handshake's round trip and who closed first are written under their packets, as on the console.
/// </summary>
internal static class LadderCharts
{
    private const double RowHeight = 21;
    private const double YouX = 92;
    private const double HostX = 412;
    private const int MaxLadders = 2;

    /// <summary>The ladders of <paramref name="view"/>'s first conversations.</summary>
    public static IEnumerable<SvgChart> For(string exerciseId, Wire.WireView? view)
    {
        if (view is null)
        {
            yield break;
        }

        var options = new LadderOptions { Vantage = view.Vantage, MaxPackets = 14, ArrowWidth = 44 };
        var index = 0;
        foreach (var flow in view.Flows.Take(MaxLadders))
        {
            yield return Draw($"{exerciseId}-ladder-{index++}", flow, view.Rewrite(flow), options);
        }
    }

    /// <summary>
    /// <paramref name="text"/> cut at a word, with "...", to fit between the lifelines at the largest size the page
    /// draws chart text (a phone's); the whole sentence is in the ladder's description and on the console.
    /// </summary>
    private static string Fit(string text, double room = SvgChart.Width - 16)
    {
        const double Size = 12.5;
        if (Html.TextWidth(text, Size) <= room)
        {
            return text;
        }

        var words = text.Split(' ');
        for (var n = words.Length - 1; n > 0; n--)
        {
            var cut = string.Join(' ', words.Take(n)).TrimEnd(',', ';', ':') + " ...";
            if (Html.TextWidth(cut, Size) <= room)
            {
                return cut;
            }
        }

        return text[..Math.Min(text.Length, 40)] + "...";
    }

    private static SvgChart Draw(string name, WireFlow flow, string? rewrite, LadderOptions options)
    {
        var rows = Ladder.Rows(flow, options);
        var lines = rows.Count + rows.Count(r => r.Note is not null) + (rewrite is null ? 0 : 1);
        var chart = new SvgChart(name, Ladder.Title(flow, options), Ladder.Totals(flow) + (rewrite is null ? "" : ". " + rewrite), height: 56 + (lines * RowHeight) + 24, left: YouX, right: SvgChart.Width - HostX);
        var y = 24.0;
        chart.Text(YouX, y, "you", "ladder-end", "middle");
        chart.Text(HostX, y, "lab host", "ladder-end", "middle");
        chart.Text(8, y, "ms", "ladder-time");
        y += 10;
        var top = y;
        if (rewrite is not null)
        {
            y += RowHeight;
            chart.Text((YouX + HostX) / 2, y - 6, Fit(rewrite), "ladder-note", "middle");
        }

        foreach (var row in rows)
        {
            y += RowHeight;
            if (row.Packet is null)
            {
                chart.Text((YouX + HostX) / 2, y - 6, Fit(row.Label), "ladder-note", "middle");
                continue;
            }

            chart.Text(8, y, row.Ms.ToString(row.Ms < 100 ? "F3" : "F1", System.Globalization.CultureInfo.InvariantCulture), "ladder-time");
            var (from, to) = row.FromClient ? (YouX, HostX) : (HostX, YouX);
            var end = row.Mark == WireMark.Lost ? (from + to) / 2 : to;
            var cls = row.Mark switch
            {
                WireMark.Lost => "ladder-arrow lost",
                WireMark.Retransmission => "ladder-arrow again",
                WireMark.Reset => "ladder-arrow reset",
                _ => row.FromClient ? "ladder-arrow up" : "ladder-arrow down",
            };
            chart.Line([(from, y), (end, y)], cls);
            if (row.Mark == WireMark.Lost)
            {
                chart.Line([(end - 5, y - 5), (end + 5, y + 5)], cls);
                chart.Line([(end - 5, y + 5), (end + 5, y - 5)], cls);
            }
            else
            {
                var back = row.FromClient ? -7 : 7;
                chart.Line([(end + back, y - 4), (end, y), (end + back, y + 4)], cls);
            }

            var label = row.Mark switch
            {
                WireMark.Lost => row.Label + "  (lost)",
                WireMark.Retransmission => row.Label + "  (again)",
                _ => row.Label,
            };
            chart.Text((YouX + HostX) / 2, y - 4, Fit(label, HostX - YouX + 40), "ladder-label", "middle");
            if (row.Note is { } note)
            {
                y += RowHeight;
                chart.Text((YouX + HostX) / 2, y - 6, Fit(note), "ladder-note", "middle");
            }
        }

        chart.Rule(YouX, top, YouX, y + 8, "ladder-life");
        chart.Rule(HostX, top, HostX, y + 8, "ladder-life");
        return chart;
    }
}
