using Spectre.Console;

namespace NetLab.Cli;

/// <summary>Where a command writes: injected, so tests capture it. Colour and live progress only on a terminal.</summary>
public sealed class CliIO
{
    public CliIO(TextWriter output, TextWriter error, bool isTerminal, Func<Stream>? stdin = null, Func<Stream>? stdout = null, Func<string, string?>? environment = null)
    {
        Environment = environment ?? global::System.Environment.GetEnvironmentVariable;
        OpenStdin = stdin ?? (() => Stream.Null);
        OpenStdout = stdout ?? (() => Stream.Null);
        Out = output;
        Error = error;
        IsTerminal = isTerminal;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = isTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = isTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = isTerminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!isTerminal)
        {
            Console.Profile.Width = 200;
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

    public IAnsiConsole Console { get; }

    /// <summary>The process's own console.</summary>
    public static CliIO System() =>
        new(global::System.Console.Out, global::System.Console.Error, !global::System.Console.IsOutputRedirected,
            global::System.Console.OpenStandardInput, global::System.Console.OpenStandardOutput);
}

/// <summary>netlab's exit codes.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int CheckFailed = 1;
    public const int UsageOrConnection = 2;
}
