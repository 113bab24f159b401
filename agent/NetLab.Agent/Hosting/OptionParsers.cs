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
    /// An option that takes a duration as people type it (300ms, 2s, 10m). The help names
    /// <paramref name="fallback"/> as the default, in that form; read the value with <see cref="ValueOr{T}"/>.
    /// Zero is refused unless <paramref name="allowZero"/> (where zero means "off").
    /// </summary>
    public static Option<TimeSpan> Duration(string name, string description, TimeSpan? fallback = null, bool allowZero = false, params string[] aliases) => new(name, aliases)
    {
        Description = fallback is { } d ? $"{description} (e.g. 300ms, 2s, 10m; default {Durations.Format(d)})" : description,
        HelpName = "duration",
        CustomParser = r => Durations.TryParse(r.Tokens[0].Value, out var d) && (d > TimeSpan.Zero || (allowZero && d == TimeSpan.Zero))
            ? d
            : Fail<TimeSpan>(r, $"{name}: '{r.Tokens[0].Value}' is not a duration such as 300ms, 2s or 10m"),
    };

    /// <summary>
    /// A port option: <paramref name="min"/>-65535 (0 is "any free port" where <paramref name="min"/> is 0), or one
    /// line that says so; never the parser's exception for a word where a number belongs.
    /// </summary>
    public static Option<int> Port(string name, string description, int min = 1, params string[] aliases) => new(name, aliases)
    {
        Description = description,
        HelpName = "port",
        CustomParser = r => int.TryParse(r.Tokens[0].Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port >= min && port <= 65535
            ? port
            : Fail<int>(r, $"{name}: '{r.Tokens[0].Value}' is not a port; give a number from {min} to 65535"),
    };

    /// <summary>The option's value when it was given, else <paramref name="fallback"/> (options without a default factory).</summary>
    public static T ValueOr<T>(this ParseResult result, Option<T> option, T fallback) =>
        result.GetResult(option) is { Implicit: false } ? result.GetValue(option)! : fallback;
}
