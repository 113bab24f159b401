using System.CommandLine;
using System.CommandLine.Parsing;

namespace NetLab.Agent.Hosting;

/// <summary>Option parsing shared by netlab-agent and netlab: durations, and errors that read as sentences.</summary>
public static class OptionParsers
{
    /// <summary>Records a parse error on <paramref name="result"/> and returns a placeholder value.</summary>
    public static T Fail<T>(ArgumentResult result, string message)
    {
        result.AddError(message);
        return default!;
    }

    /// <summary>
    /// An option that takes a duration as people type it (300ms, 2s, 10m), with an optional default. Zero is
    /// refused unless <paramref name="allowZero"/> (where zero means "off").
    /// </summary>
    public static Option<TimeSpan> Duration(string name, string description, string? fallback = null, bool allowZero = false, params string[] aliases)
    {
        var option = new Option<TimeSpan>(name, aliases)
        {
            Description = fallback is null ? description : $"{description} (e.g. 300ms, 2s, 10m; default {fallback})",
            CustomParser = r => Durations.TryParse(r.Tokens[0].Value, out var d) && (d > TimeSpan.Zero || (allowZero && d == TimeSpan.Zero))
                ? d
                : Fail<TimeSpan>(r, $"{name}: '{r.Tokens[0].Value}' is not a duration such as 300ms, 2s or 10m"),
        };
        if (fallback is not null)
        {
            option.DefaultValueFactory = _ => Durations.TryParse(fallback, out var d) ? d : default;
        }

        return option;
    }
}
