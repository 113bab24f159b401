using System.Text.Json;
using Spectre.Console;

namespace NetLab.Cli;

/// <summary>
/// Where a command writes: injected, so tests capture it. Escape sequences (colour, bold, the live progress line)
/// only on a terminal, and never when NO_COLOR is set (no-color.org: any non-empty value) or TERM is dumb.
/// </summary>
internal sealed class CliIO
{
    /// <summary>The width text is laid out for when the output is not a terminal (a file, a pipe, a test).</summary>
    public const int UnboundedWidth = 200;

    public CliIO(TextWriter output, TextWriter error, bool isTerminal, Func<Stream>? stdin = null, Func<Stream>? stdout = null,
        int? width = null, bool noColor = false, Func<string, string?>? environment = null)
    {
        Environment = environment ?? global::System.Environment.GetEnvironmentVariable;
        OpenStdin = stdin ?? (() => Stream.Null);
        OpenStdout = stdout ?? (() => Stream.Null);
        Out = output;
        Error = error;
        IsTerminal = isTerminal;
        Escapes = isTerminal && !noColor;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            // Spectre's own detection drops only colour for NO_COLOR and keeps bold and cursor moves: decided here.
            Ansi = Escapes ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = Escapes ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = Escapes ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (width is { } columns)
        {
            Console.Profile.Width = columns;
        }
        else if (!isTerminal)
        {
            Console.Profile.Width = UnboundedWidth;
        }
    }

    public TextWriter Out { get; }

    /// <summary>Raw standard input, for <c>netlab nc</c>'s byte stream.</summary>
    public Func<Stream> OpenStdin { get; }

    /// <summary>Raw standard output, for <c>netlab nc</c>'s byte stream.</summary>
    public Func<Stream> OpenStdout { get; }

    public TextWriter Error { get; }

    /// <summary>The environment variables a command reads (NETLAB_CDK, NETLAB_CHECKIP_URL): injected, so tests in parallel never share them.</summary>
    public Func<string, string?> Environment { get; }

    public bool IsTerminal { get; }

    /// <summary>True when escape sequences may be written: a terminal, and no NO_COLOR. Live progress needs them.</summary>
    public bool Escapes { get; }

    public IAnsiConsole Console { get; }

    /// <summary>
    /// A line of text for people on stdout, laid out by <see cref="ConsoleLine"/>: words wrap at the console's width,
    /// and a command in `backticks` is never broken (the backticks are not shown). Leading spaces indent the line,
    /// and its wrapped parts sit two further in.
    /// </summary>
    public void Line(string text = "")
    {
        var indent = text.Length - text.TrimStart(' ').Length;
        new ConsoleLine(indent, indent + 2).WithCommands(text).WriteTo(Console);
    }

    /// <summary>
    /// A line saying what is happening: a <see cref="Line"/> on stdout, or with <c>--json</c> plain text on stderr
    /// (backticks dropped), so stdout stays exactly one JSON document. Flushed: progress is read as it comes.
    /// </summary>
    public void Progress(string text, bool json)
    {
        if (json)
        {
            Error.WriteLine(CommandText.Plain(text));
            Error.Flush();
        }
        else
        {
            Line(text);
            Out.Flush();
        }
    }

    /// <summary>The one JSON document of a <c>--json</c> run, on stdout, indented (<see cref="Exercises.Render.Json"/>).</summary>
    public void Json<T>(T document) where T : IJsonDocument
    {
        Out.WriteLine(JsonSerializer.Serialize(document, Exercises.Render.Json));
        Out.Flush();
    }

    /// <summary>Asks on stdout, the answer typed on the same line, and reads it from stdin: null at the end of input.</summary>
    public string? Ask(string question)
    {
        Out.Write(question);
        Out.Flush();
        using var stdin = new StreamReader(OpenStdin());
        return stdin.ReadLine();
    }

    /// <summary>The process's own console.</summary>
    public static CliIO System() =>
        new(global::System.Console.Out, global::System.Console.Error, !global::System.Console.IsOutputRedirected,
            global::System.Console.OpenStandardInput, global::System.Console.OpenStandardOutput,
            noColor: NoColor(global::System.Environment.GetEnvironmentVariable("NO_COLOR"), global::System.Environment.GetEnvironmentVariable("TERM")));

    /// <summary>NO_COLOR with any non-empty value (an empty one does not count, says no-color.org), or a dumb terminal.</summary>
    internal static bool NoColor(string? noColor, string? term) => !string.IsNullOrEmpty(noColor) || term == "dumb";
}

/// <summary>
/// A document netlab publishes with <c>--json</c>: its schema (name and version, e.g. <c>netlab.start/1</c>) comes first.
/// Each type also has a <c>SchemaName</c> constant; JsonSchemaTests finds them all by this interface.
/// </summary>
internal interface IJsonDocument
{
    string Schema { get; }
}

/// <summary>netlab's exit codes.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int CheckFailed = 1;
    public const int UsageOrConnection = 2;

    /// <summary>Stopped by Ctrl-C before the command finished, as shells report SIGINT (128 + 2).</summary>
    public const int Interrupted = 130;
}
