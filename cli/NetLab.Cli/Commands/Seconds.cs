using System.CommandLine;
using System.Globalization;
using NetLab.Agent.Hosting;

namespace NetLab.Cli.Commands;

/// <summary>
/// Times as nc and ncat take them, in plain seconds (<c>-w 2</c>, <c>-w 0.5</c>), and with a unit as the agent's
/// options do (<c>500ms</c>, <c>2s</c>, <c>1m</c>).
/// </summary>
internal static class Seconds
{
    public static bool TryParse(string? text, out TimeSpan time)
    {
        time = default;
        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
        {
            if (seconds > TimeSpan.MaxValue.TotalSeconds / 2)
            {
                return false;
            }

            time = TimeSpan.FromSeconds(seconds);
            return true;
        }

        return Durations.TryParse(text, out time) && time < TimeSpan.MaxValue / 2;
    }

    /// <summary>How a time reads in help and messages: 1.5, 10, 0.5 (seconds).</summary>
    public static string Format(TimeSpan time) => time.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>
    /// An option that takes a time: more than zero, or zero too when <paramref name="allowZero"/>. The help states
    /// the default once (<paramref name="defaultText"/>); read the value with <c>ValueOr</c>, as the agent's options do.
    /// </summary>
    public static Option<TimeSpan> Option(string name, string description, string defaultText, bool allowZero = false, params string[] aliases) => new(name, aliases)
    {
        Description = $"{description} (seconds, e.g. 2 or 0.5, or with a unit: 500ms; default {defaultText})",
        HelpName = "seconds",
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            var typed = CommonOptions.Typed(r, name);
            return TryParse(text, out var t) && (t > TimeSpan.Zero || (allowZero && t == TimeSpan.Zero))
                ? t
                : OptionParsers.Fail<TimeSpan>(r, $"{typed}: '{text}' is not a time; give seconds {(allowZero ? "(0 or more)" : "greater than 0")}, e.g. {typed} 2, {typed} 0.5 or {typed} 500ms");
        },
    };
}
