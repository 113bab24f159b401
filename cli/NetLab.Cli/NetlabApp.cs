using System.CommandLine;
using System.CommandLine.Help;
using NetLab.Cli.Commands;

namespace NetLab.Cli;

/// <summary>The <c>netlab</c> command tree, and exit codes: 0 pass, 1 a failed check, 2 usage or connection error.</summary>
internal static class NetlabApp
{
    /// <summary>The tree, named "netlab" whatever the executable is called (dotnet netlab.dll, the test host).</summary>
    public static Command Build(CliIO io)
    {
        var root = new Command("netlab", Description)
        {
            ConnectCommand.Create(io),
            LabCommand.Create(io),
            NcCommand.Create(io),
            InfoCommand.Create(io),
            HttpCommand.Create(io),
            TlsCommand.Create(io),
            PortsCommand.Create(io),
            UpCommand.Create(io),
            StartCommand.Create(io),
            StatusCommand.Create(io),
            DownCommand.Create(io),
            Wan.WanHostCommand.Create(io),
        };
        root.Options.Add(new HelpOption { Recursive = true });
        root.Options.Add(new VersionOption());
        return root;
    }

    private const string Description = """
        netlab: the NetLabCloud networking lab. Every exercise of the tutorial (TCP, the silly chatter, echo,
        file transfer, TLS, HTTP and HTTPS, UDP, chat, ports, IP and DNS, pipe vs socket) against a netlab-agent,
        with the figures, what each shows, and the classic command to try by hand.

        Examples:
          netlab lab                          the whole lab on this machine, no cloud needed
          netlab connect 203.0.113.7          the same against your cloud lab host
          netlab nc 203.0.113.7 11211         a netcat for machines without one
          netlab info                         your addresses, gateway and DNS servers
          netlab up                           create your lab host in AWS, open to your address only
          netlab status                       your lab hosts in AWS, what they cost so far, the time left
        """;

    /// <summary>
    /// Parses and runs. No input gives a stack trace: a command line that cannot run is one line and exit 2 (with
    /// --json a netlab.error/1 document), and what a command did not expect is one line too (NETLAB_DEBUG=1 adds
    /// where it came from).
    /// </summary>
    public static Task<int> RunAsync(string[] args, CliIO io, CancellationToken ct = default) => RunAsync(Build(io), args, io, ct);

    /// <summary>Runs <paramref name="root"/> by netlab's rules (for tests: a tree with a command of their own).</summary>
    internal static async Task<int> RunAsync(Command root, string[] args, CliIO io, CancellationToken ct = default)
    {
        ParseResult parsed;
        try
        {
            parsed = root.Parse(args.Length == 0 ? ["--help"] : args);
        }
        catch (InvalidOperationException e) when (UsageErrors.IsConversion(e))
        {
            return UsageErrors.Write(io, root, args, e);
        }

        if (UsageErrors.Any(parsed))
        {
            return UsageErrors.Write(io, parsed, args);
        }

        try
        {
            // Ctrl-C cancels the command's token; --wan then has up to 10 s to take its network apart.
            return await parsed.InvokeAsync(new InvocationConfiguration
            {
                Output = io.Out,
                Error = io.Error,
                ProcessTerminationTimeout = TimeSpan.FromSeconds(10),
                EnableDefaultExceptionHandler = false,
            }, ct);
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Interrupted;
        }
        catch (Exception e)
        {
            var path = UsageErrors.CommandPath(parsed.CommandResult);
            if (Environment.GetEnvironmentVariable("NETLAB_DEBUG") is { Length: > 0 })
            {
                await io.Error.WriteLineAsync(e.ToString());
            }

            return Fail.Write(io, UsageErrors.JsonWriter(io, parsed.CommandResult.Command, args), path,
                $"{e.Message} (an error netlab did not expect: {e.GetType().Name}; NETLAB_DEBUG=1 shows where)", ExitCodes.UsageOrConnection);
        }
    }
}
