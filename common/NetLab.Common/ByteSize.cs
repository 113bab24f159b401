using System.Globalization;

namespace NetLab;

/// <summary>Byte counts as people type them: <c>1000</c>, <c>64K</c>, <c>10M</c>, <c>2G</c> (binary multiples).</summary>
public static class ByteSize
{
    /// <summary>Reads a byte count: digits, optionally followed by K, M or G (case-insensitive); false for anything else or an overflow.</summary>
    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        var shift = char.ToUpperInvariant(text[^1]) switch
        {
            'K' => 10,
            'M' => 20,
            'G' => 30,
            _ => 0,
        };
        var digits = shift == 0 ? text : text[..^1];
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > (long.MaxValue >> shift))
        {
            return false;
        }

        bytes = n << shift;
        return true;
    }

    /// <summary>The shortest exact form that <see cref="TryParse"/> reads back: 1G, 256M, 64K, 1000.</summary>
    public static string Format(long bytes)
    {
        foreach (var (shift, unit) in new[] { (30, "G"), (20, "M"), (10, "K") })
        {
            if (bytes != 0 && bytes % (1L << shift) == 0)
            {
                return $"{bytes >> shift}{unit}";
            }
        }

        return bytes.ToString(CultureInfo.InvariantCulture);
    }
}
