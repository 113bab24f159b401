using System.Globalization;

namespace NetLab;

/// <summary>Durations as people type them: <c>300ms</c>, <c>2s</c>, <c>10m</c>, <c>1h</c>.</summary>
public static class Durations
{
    /// <summary>Parses a number with its unit (ms, s, m or h); false for anything else, a bare number included.</summary>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim().ToLowerInvariant();
        var (digits, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1.0)
            : text.EndsWith('m') ? (text[..^1], 60.0)
            : text.EndsWith('h') ? (text[..^1], 3600.0)
            : (text, 0.0);
        if (unit == 0 || !double.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n))
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(n * unit);
        return true;
    }

    /// <summary>The form people type, exact and as short as it goes: 300ms, 60s, 10m, 8h (0s for zero).</summary>
    public static string Format(TimeSpan duration)
    {
        var ms = (long)duration.TotalMilliseconds;
        return ms == 0 ? "0s"
            : ms % 3_600_000 == 0 ? $"{ms / 3_600_000}h"
            : ms % 60_000 == 0 ? $"{ms / 60_000}m"
            : ms % 1000 == 0 ? $"{ms / 1000}s"
            : $"{ms}ms";
    }
}
