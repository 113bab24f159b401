using System.Globalization;
using System.Text;

namespace NetLab.Cli.Report;

/// <summary>
/// A small chart drawn as inline SVG: a legend, axes with their units, and marks in data coordinates; its title is
/// its accessible name (and the page's caption for it).
/// The viewBox is fixed and the page scales it (width 100%), so text stays in proportion from a phone to a desktop.
/// Series differ by line dash and marker shape, and are named where they are drawn, not by colour alone; colours
/// come from the page's CSS classes (s1, s2, bad), which follow the light or dark scheme.
/// </summary>
internal sealed class SvgChart
{
    /// <summary>The viewBox's width: about the width a chart takes on a desktop, so 12 px text reads as 12 px there.</summary>
    public const double Width = 440;

    /// <summary>
    /// The font size labels are laid out for: the largest the page's CSS gives chart text, which is on a phone, where
    /// the chart is drawn smaller than its viewBox and the text a little larger to make up for it.
    /// </summary>
    public const double LayoutFontSize = 15;

    private readonly StringBuilder _marks = new();
    private readonly StringBuilder _legend = new();
    private readonly string _name;
    private readonly string _title;
    private readonly string _description;
    private double _legendX;

    /// <param name="name">The chart's stable name (<c>data-chart</c>), unique in the page.</param>
    /// <param name="title">The chart's accessible name, and its caption in the page (<see cref="Title"/>).</param>
    /// <param name="description">What it shows, in words: the accessible description.</param>
    /// <param name="height">The viewBox's height.</param>
    /// <param name="left">Room left of the plot for the y axis.</param>
    /// <param name="right">Room right of the plot for labels at the lines' ends.</param>
    public SvgChart(string name, string title, string description, double height = 238, double left = 52, double right = 20)
    {
        _name = name;
        _title = title;
        _description = description;
        Height = height;
        Left = left;
        Right = Width - right;
        Top = 36;
        Bottom = height - 42;
        _legendX = 12;
    }

    public double Height { get; }

    /// <summary>What the chart shows, in a few words: the page puts it above the chart, where it wraps as text does.</summary>
    public string Title => _title;

    /// <summary>The plot area's edges, in viewBox units.</summary>
    public double Left { get; }

    public double Right { get; }

    public double Top { get; set; }

    public double Bottom { get; }

    /// <summary>An id unique to this chart in the page (its title, its description, its patterns).</summary>
    public string Id(string local) => $"{_name}-{local}";

    /// <summary>A scale from data values to x positions in the plot area.</summary>
    public Scale X(double min, double max) => new(min, max, Left, Right);

    /// <summary>A scale from data values to y positions in the plot area (up is more).</summary>
    public Scale Y(double min, double max) => new(min, max, Bottom, Top);

    /// <summary>The x axis: ticks every <paramref name="step"/>, vertical grid lines, and the label with its unit.</summary>
    public void XAxis(Scale x, double step, string label, Func<double, string>? format = null)
    {
        format ??= v => Ticks.Format(v, step);
        foreach (var v in Ticks.Values(x.Min, x.Max, step))
        {
            var px = x[v];
            _marks.Append(CultureInfo.InvariantCulture, $"""<line class="grid" x1="{N(px)}" y1="{N(Top)}" x2="{N(px)}" y2="{N(Bottom)}" />""");
            Text(px, Bottom + 15, format(v), "tick", "middle");
        }

        _marks.Append(CultureInfo.InvariantCulture, $"""<line class="axis" x1="{N(Left)}" y1="{N(Bottom)}" x2="{N(Right)}" y2="{N(Bottom)}" />""");
        Text((Left + Right) / 2, Height - 8, label, "axis-label", "middle");
    }

    /// <summary>The y axis: ticks every <paramref name="step"/>, horizontal grid lines, and the label with its unit.</summary>
    public void YAxis(Scale y, double step, string label, Func<double, string>? format = null)
    {
        format ??= v => Ticks.Format(v, step);
        foreach (var v in Ticks.Values(y.Min, y.Max, step))
        {
            var py = y[v];
            _marks.Append(CultureInfo.InvariantCulture, $"""<line class="grid" x1="{N(Left)}" y1="{N(py)}" x2="{N(Right)}" y2="{N(py)}" />""");
            Text(Left - 6, py + 4, format(v), "tick", "end");
        }

        _marks.Append(CultureInfo.InvariantCulture, $"""<line class="axis" x1="{N(Left)}" y1="{N(Top)}" x2="{N(Left)}" y2="{N(Bottom)}" />""");
        var cy = (Top + Bottom) / 2;
        _marks.Append(CultureInfo.InvariantCulture, $"""<text class="axis-label" text-anchor="middle" transform="translate(13 {N(cy)}) rotate(-90)">{Html.Escape(label)}</text>""");
    }

    /// <summary>A line through the points, in viewBox coordinates (dash and colour from <paramref name="cls"/>).</summary>
    public void Line(IEnumerable<(double X, double Y)> points, string cls)
    {
        var d = new StringBuilder();
        foreach (var (x, y) in points)
        {
            d.Append(d.Length == 0 ? 'M' : 'L').Append(N(x)).Append(' ').Append(N(y));
        }

        if (d.Length > 0)
        {
            _marks.Append(CultureInfo.InvariantCulture, $"""<path class="line {cls}" d="{d}" />""");
        }
    }

    /// <summary>One marker; <paramref name="tip"/> is shown on hover.</summary>
    public void Marker(Shape shape, double x, double y, string cls, string? tip = null, double size = 3.2) =>
        _marks.Append(MarkerSvg(shape, x, y, cls, size, tip));

    /// <summary>A rectangle (a bar), with a hover text.</summary>
    public void Rect(double x, double y, double width, double height, string cls, string? tip = null, string? fill = null) =>
        _marks.Append(CultureInfo.InvariantCulture,
            $"""<rect class="{cls}" x="{N(x)}" y="{N(y)}" width="{N(Math.Max(width, 0))}" height="{N(Math.Max(height, 0))}"{(fill is null ? "" : $" fill=\"{fill}\"")}>{Tip(tip)}</rect>""");

    /// <summary>A straight line, e.g. a median marked across the plot.</summary>
    public void Rule(double x1, double y1, double x2, double y2, string cls) =>
        _marks.Append(CultureInfo.InvariantCulture, $"""<line class="{cls}" x1="{N(x1)}" y1="{N(y1)}" x2="{N(x2)}" y2="{N(y2)}" />""");

    public void Text(double x, double y, string text, string cls, string anchor = "start") =>
        _marks.Append(CultureInfo.InvariantCulture, $"""<text class="{cls}" x="{N(x)}" y="{N(y)}" text-anchor="{anchor}">{Html.Escape(text)}</text>""");

    /// <summary>Raw SVG for the defs (a hatch pattern).</summary>
    public void Defs(string svg) => _marks.Append("<defs>").Append(svg).Append("</defs>");

    /// <summary>A legend entry at the top, after the ones before it: a short stretch of the series' line, its marker, its name.</summary>
    public void Legend(string label, string cls, Shape? shape = null, bool line = true)
    {
        const double y = 16;
        var x = _legendX;
        if (line)
        {
            _legend.Append(CultureInfo.InvariantCulture, $"""<path class="line {cls}" d="M{N(x)} {N(y)}H{N(x + 22)}" />""");
        }

        if (shape is { } s)
        {
            _legend.Append(MarkerSvg(s, x + 11, y, cls, 3.6, null));
        }

        _legend.Append(CultureInfo.InvariantCulture, $"""<text class="legend" x="{N(x + 28)}" y="{N(y + 4)}">{Html.Escape(label)}</text>""");
        _legendX = x + 28 + Html.TextWidth(label, LayoutFontSize) + 14;
    }

    /// <summary>The chart: an <c>svg</c> element with role img, named by its title and described in words.</summary>
    public override string ToString()
    {
        var title = Id("title");
        var desc = Id("desc");
        return $"""<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="{_name}" viewBox="0 0 {N(Width)} {N(Height)}" role="img" aria-labelledby="{title} {desc}"><title id="{title}">{Html.Escape(_title)}</title><desc id="{desc}">{Html.Escape(_description)}</desc>{_legend}{_marks}</svg>""";
    }

    /// <summary>A number as SVG writes it: invariant, two decimals at most.</summary>
    public static string N(double v) => Math.Round(v, 2).ToString("0.##", CultureInfo.InvariantCulture);

    private static string Tip(string? tip) => tip is null ? "" : $"<title>{Html.Escape(tip)}</title>";

    private static string MarkerSvg(Shape shape, double x, double y, string cls, double r, string? tip) => shape switch
    {
        Shape.Circle => $"""<circle class="mark {cls}" cx="{N(x)}" cy="{N(y)}" r="{N(r)}">{Tip(tip)}</circle>""",
        Shape.Square => $"""<rect class="mark {cls}" x="{N(x - r)}" y="{N(y - r)}" width="{N(2 * r)}" height="{N(2 * r)}">{Tip(tip)}</rect>""",
        Shape.Triangle => $"""<path class="mark {cls}" d="M{N(x)} {N(y - (1.3 * r))}L{N(x + (1.2 * r))} {N(y + (0.9 * r))}L{N(x - (1.2 * r))} {N(y + (0.9 * r))}Z">{Tip(tip)}</path>""",
        _ => $"""<path class="cross {cls}" d="M{N(x - r)} {N(y - r)}L{N(x + r)} {N(y + r)}M{N(x - r)} {N(y + r)}L{N(x + r)} {N(y - r)}">{Tip(tip)}</path>""",
    };
}

/// <summary>A marker's shape: what tells series apart in grey.</summary>
internal enum Shape
{
    Circle,
    Square,
    Triangle,
    Cross,
}

/// <summary>A linear scale from data values [Min, Max] to positions [From, To].</summary>
internal readonly record struct Scale(double Min, double Max, double From, double To)
{
    public double this[double value] => Max == Min ? From : From + ((value - Min) / (Max - Min) * (To - From));

    /// <summary>The position of <paramref name="value"/>, held inside the scale's ends.</summary>
    public double Clamped(double value) => this[Math.Clamp(value, Math.Min(Min, Max), Math.Max(Min, Max))];
}

/// <summary>Round axis ends and steps: 0, 0.05, 0.1 ... rather than 0, 0.0437 ...</summary>
internal static class Ticks
{
    /// <summary>Round ends around [min, max] and a step that gives about <paramref name="count"/> ticks.</summary>
    public static (double Min, double Max, double Step) Nice(double min, double max, int count = 5)
    {
        if (!(max > min))
        {
            max = min + (min == 0 ? 1 : Math.Abs(min) * 0.1);
        }

        var raw = (max - min) / count;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var f = raw / magnitude;
        var step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * magnitude;
        return (Math.Floor((min / step) + 1e-9) * step, Math.Ceiling((max / step) - 1e-9) * step, step);
    }

    public static IEnumerable<double> Values(double min, double max, double step)
    {
        for (var i = 0; min + (i * step) <= max + (step * 1e-6); i++)
        {
            yield return min + (i * step);
        }
    }

    /// <summary>A tick's label with as many decimals as the step needs.</summary>
    public static string Format(double value, double step)
    {
        var decimals = 0;
        while (decimals < 6 && Math.Abs(Math.Round(step, decimals) - step) > step * 1e-6)
        {
            decimals++;
        }

        return Math.Round(value, decimals).ToString(decimals == 0 ? "#,0" : "#,0." + new string('#', decimals), CultureInfo.InvariantCulture);
    }
}
