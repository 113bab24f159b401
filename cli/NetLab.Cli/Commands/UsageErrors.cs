using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace NetLab.Cli.Commands;

/// <summary>
/// A command line netlab cannot run, said as the classic tools say it: one line, what was wrong and the form that
/// works, exit 2; with --json a netlab.error/1 document instead. netlab's own option parsers and validators already
/// speak in sentences that name the valid form; System.CommandLine's few built-in messages are put in those words here.
/// </summary>
internal static partial class UsageErrors
{
    /// <summary>True when the command line cannot run as it is: a parse error, or an option netlab does not have.</summary>
    public static bool Any(ParseResult parsed) => parsed.Errors.Count > 0 || UnknownOption(parsed) is not null || EmptyArgument(parsed);

    public static int Write(CliIO io, ParseResult parsed, IReadOnlyList<string> args)
    {
        var path = CommandPath(parsed.CommandResult);
        var usage = $"usage: {Usage(parsed.CommandResult.Command, path)} (more: {path} --help)";
        var message = UnknownOption(parsed) is { } option ? $"unknown option '{option}'; {usage}"
            : parsed.Errors.Count > 0 ? Explain(First(parsed.Errors, args), parsed.CommandResult.Command, path)
            : $"an empty argument where {string.Join(' ', parsed.CommandResult.Command.Arguments.Select(a => $"<{a.Name}>"))} goes (a variable that was not set?); {usage}";
        return Fail.Write(io, JsonWriter(io, parsed.CommandResult.Command, args), path, message, ExitCodes.UsageOrConnection);
    }

    /// <summary>
    /// A value System.CommandLine could not convert, met by a validator that read it (GetValueOrDefault throws
    /// from inside Parse, before any error is listed): the same one line as any other usage error.
    /// </summary>
    public static int Write(CliIO io, Command root, IReadOnlyList<string> args, InvalidOperationException conversion)
    {
        var command = root;
        foreach (var arg in args.TakeWhile(a => !a.StartsWith('-')))
        {
            command = command.Subcommands.FirstOrDefault(c => c.Name == arg) ?? command;
        }

        var path = command == root ? root.Name : $"{root.Name} {command.Name}";
        return Fail.Write(io, JsonWriter(io, command, args), path, Explain(conversion.Message, command, path), ExitCodes.UsageOrConnection);
    }

    /// <summary>True for the conversion failure a validator rethrows (see <see cref="Write(CliIO, Command, IReadOnlyList{string}, InvalidOperationException)"/>).</summary>
    public static bool IsConversion(InvalidOperationException e) => CannotParse().IsMatch(e.Message);

    /// <summary>Where a --json error document goes: stdout, but stderr for nc, whose stdout is the data (its JSON summary is on stderr too).</summary>
    public static TextWriter? JsonWriter(CliIO io, Command command, IReadOnlyList<string> args) =>
        !args.TakeWhile(a => a != "--").Contains("--json") ? null
        : command.Name == "nc" ? io.Error
        : io.Out;

    /// <summary>
    /// A word like an option that System.CommandLine took for an argument (<c>netlab connect --prot 1 host</c> makes
    /// "--prot" the host): no host, port or URL starts with "--", so it is a mistyped option.
    /// </summary>
    private static string? UnknownOption(ParseResult parsed) =>
        parsed.CommandResult.Tokens.Select(t => t.Value).FirstOrDefault(v => v.StartsWith("--", StringComparison.Ordinal) && v.Length > 2);

    /// <summary>An empty host, port or URL ("" from a variable that was not set): nothing to connect to.</summary>
    private static bool EmptyArgument(ParseResult parsed) => parsed.CommandResult.Tokens.Any(t => t.Value.Trim().Length == 0);

    /// <summary>"netlab connect": the command as typed, for the start of the line.</summary>
    public static string CommandPath(SymbolResult? result)
    {
        var names = new Stack<string>();
        for (var r = result; r is not null; r = r.Parent)
        {
            if (r is CommandResult command)
            {
                names.Push(command.Command.Name);
            }
        }

        return string.Join(' ', names);
    }

    /// <summary>
    /// The one error to tell: netlab's own sentence if there is one (it is the most precise), else the first
    /// unrecognized word as typed, else whatever came first ("no command given" only when nothing else is wrong).
    /// </summary>
    private static string First(IReadOnlyList<ParseError> errors, IReadOnlyList<string> args)
    {
        var messages = errors.Select(e => e.Message).ToList();
        return messages.FirstOrDefault(m => !BuiltIn(m))
            ?? messages.Where(m => Unrecognized().IsMatch(m)).OrderBy(m => Position(args, Unrecognized().Match(m).Groups[1].Value)).FirstOrDefault()
            ?? messages.FirstOrDefault(m => m != NoCommand)
            ?? messages[0];
    }

    private static int Position(IReadOnlyList<string> args, string token) => args.ToList() is var list && list.IndexOf(token) is >= 0 and var i ? i : int.MaxValue;

    private const string NoCommand = "Required command was not provided.";

    private static bool BuiltIn(string message) => message == NoCommand || Unrecognized().IsMatch(message) || MissingCommandArgument().IsMatch(message)
        || MissingOptionValue().IsMatch(message) || OneValue().IsMatch(message) || message.StartsWith("Cannot parse argument", StringComparison.Ordinal);

    private static string Explain(string message, Command command, string path)
    {
        var usage = $"usage: {Usage(command, path)} (more: {path} --help)";
        if (Unrecognized().Match(message) is { Success: true } unknown)
        {
            var token = unknown.Groups[1].Value;
            return token.StartsWith('-') ? $"unknown option '{token}'; {usage}"
                : command.Subcommands.Count > 0 ? $"unknown command '{token}'; the commands are {string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))} (more: {path} --help)"
                : $"unexpected argument '{token}'; {usage}";
        }

        if (MissingCommandArgument().IsMatch(message))
        {
            return $"missing {string.Join(' ', command.Arguments.Select(a => $"<{a.Name}>"))}; {usage}";
        }

        if (MissingOptionValue().Match(message) is { Success: true } missing)
        {
            var name = missing.Groups[1].Value;
            var option = command.Options.FirstOrDefault(o => o.Name == name || o.Aliases.Contains(name));
            return $"{name} needs a value: {name} <{option?.HelpName ?? name.TrimStart('-')}> (more: {path} --help)";
        }

        if (OneValue().Match(message) is { Success: true } many)
        {
            return $"{many.Groups[1].Value} takes one value, not {many.Groups[2].Value}; {usage}";
        }

        if (message == NoCommand)
        {
            return $"which command? {string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))} (more: {path} --help)";
        }

        if (CannotParse().Match(message) is { Success: true } bad)
        {
            var (value, option, type) = (bad.Groups[1].Value, bad.Groups[2].Value, bad.Groups[3].Value);
            var what = type switch
            {
                "System.Int32" or "System.Int64" or "System.UInt16" => "a whole number",
                "System.Double" or "System.Decimal" => "a number",
                "System.TimeSpan" => "a time",
                "System.Net.IPAddress" => "an IP address",
                _ => "a value it takes",
            };
            return $"{option}: '{value}' is not {what}; {usage}";
        }

        // netlab's own sentences name the valid form already; any other built-in one gets the usage beside it.
        return message.StartsWith("Cannot parse argument", StringComparison.Ordinal) ? $"{message.TrimEnd('.')}; {usage}" : message;
    }

    private static string Usage(Command command, string path) =>
        string.Join(' ', new[] { path }.Concat(command.Arguments.Where(a => !a.Hidden).Select(a => $"<{a.Name}>"))
            .Concat(command.Options.Any(o => !o.Hidden) ? ["[options]"] : []));

    [GeneratedRegex("^Cannot parse argument '(.*)' for option '(.*)' as expected type '(.*)'\\.")]
    private static partial Regex CannotParse();

    [GeneratedRegex("^Unrecognized command or argument '(.*)'\\.$")]
    private static partial Regex Unrecognized();

    [GeneratedRegex("^Required argument missing for command: '(.*)'\\.$")]
    private static partial Regex MissingCommandArgument();

    [GeneratedRegex("^Required argument missing for option: '(.*)'\\.$")]
    private static partial Regex MissingOptionValue();

    [GeneratedRegex("^Option '(.*)' expects a single argument but (\\d+) were provided\\.$")]
    private static partial Regex OneValue();
}
