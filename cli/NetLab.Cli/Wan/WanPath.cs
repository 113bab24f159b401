using System.Globalization;

namespace NetLab.Cli.Wan;

/// <summary>
/// An internet path as <c>netlab lab --wan DELAY[,LOSS[,RATE]]</c> names it: one-way delay, random loss and a
/// bottleneck rate, the same both ways (<c>40ms,1%,20Mbit</c>).
/// </summary>
internal sealed record WanPath(TimeSpan Delay, double Loss, long BitsPerSecond)
{
    /// <summary><c>--wan</c> alone: a home or campus line to a nearby cloud region.</summary>
    public static readonly WanPath Default = new(TimeSpan.FromMilliseconds(40), 0.01, 20_000_000);

    public const string Syntax = "DELAY[,LOSS[,RATE]], e.g. 40ms,1%,20Mbit or 150ms,2%,5Mbit";

    /// <summary>The round-trip time the path adds (twice the one-way delay).</summary>
    public TimeSpan Rtt => Delay * 2;

    /// <summary>The chance a round trip loses its request or its answer.</summary>
    public double RoundTripLoss => 1 - ((1 - Loss) * (1 - Loss));

    public static bool TryParse(string? text, out WanPath path, out string error)
    {
        path = Default;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length > 3)
        {
            error = $"'{text}' has more than three parts; the form is {Syntax}";
            return false;
        }

        if (!TryDelay(parts[0], out var delay))
        {
            error = $"'{parts[0]}' is not a one-way delay such as 40ms, 150ms or 0.3s (0 to 2 s); the form is {Syntax}";
            return false;
        }

        var loss = Default.Loss;
        if (parts.Length > 1 && !TryLoss(parts[1], out loss))
        {
            error = $"'{parts[1]}' is not a loss such as 1% or 0.5% (0 to 50%); the form is {Syntax}";
            return false;
        }

        var rate = Default.BitsPerSecond;
        if (parts.Length > 2 && !TryRate(parts[2], out rate))
        {
            error = $"'{parts[2]}' is not a rate such as 20Mbit, 512kbit or 1Gbit; the form is {Syntax}";
            return false;
        }

        path = new WanPath(delay, loss, rate);
        return true;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Delay.TotalMilliseconds:0} ms each way ({Rtt.TotalMilliseconds:0} ms RTT), {Loss * 100:0.##}% loss each way, {FormatRate(BitsPerSecond)}");

    public static string FormatRate(long bitsPerSecond) => bitsPerSecond >= 1_000_000_000 && bitsPerSecond % 1_000_000_000 == 0 ? $"{bitsPerSecond / 1_000_000_000} Gbit/s"
        : bitsPerSecond >= 1_000_000 ? string.Create(CultureInfo.InvariantCulture, $"{bitsPerSecond / 1e6:0.##} Mbit/s")
        : string.Create(CultureInfo.InvariantCulture, $"{bitsPerSecond / 1e3:0.##} kbit/s");

    private static bool TryDelay(string text, out TimeSpan delay)
    {
        delay = default;
        var t = text.ToLowerInvariant();
        var (digits, scale) = t.EndsWith("ms", StringComparison.Ordinal) ? (t[..^2], 1.0) : t.EndsWith('s') ? (t[..^1], 1000.0) : (t, 1.0);
        if (!double.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) || n * scale is < 0 or > 2000)
        {
            return false;
        }

        delay = TimeSpan.FromMilliseconds(n * scale);
        return true;
    }

    private static bool TryLoss(string text, out double loss)
    {
        var percent = text.EndsWith('%');
        var ok = double.TryParse(percent ? text[..^1] : text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out loss);
        if (percent || loss > 1)
        {
            loss /= 100;
        }

        return ok && loss is >= 0 and <= 0.5;
    }

    private static bool TryRate(string text, out long bits)
    {
        bits = 0;
        var t = text.ToLowerInvariant().Replace("bit/s", "bit", StringComparison.Ordinal).Replace("bps", "bit", StringComparison.Ordinal);
        var (digits, scale) = t.EndsWith("gbit", StringComparison.Ordinal) ? (t[..^4], 1e9)
            : t.EndsWith("mbit", StringComparison.Ordinal) ? (t[..^4], 1e6)
            : t.EndsWith("kbit", StringComparison.Ordinal) ? (t[..^4], 1e3)
            : t.EndsWith("bit", StringComparison.Ordinal) ? (t[..^3], 1.0)
            : (t, double.NaN);
        if (double.IsNaN(scale) || !double.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) || n * scale is < 64_000 or > 10e9)
        {
            return false;
        }

        bits = (long)(n * scale);
        return true;
    }
}
