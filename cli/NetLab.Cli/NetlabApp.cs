using System.CommandLine;
using System.CommandLine.Help;
using NetLab.Cli.Commands;

namespace NetLab.Cli;

/// <summary>The <c>netlab</c> command tree, and exit codes: 0 pass, 1 a failed check, 2 usage or connection error.</summary>
public static class NetlabApp
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

    public static async Task<int> RunAsync(string[] args, CliIO io, CancellationToken ct = default)
    {
        var parsed = Build(io).Parse(args.Length == 0 ? ["--help"] : args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await io.Error.WriteLineAsync($"netlab: {error.Message}");
            }

            await io.Error.WriteLineAsync("Run 'netlab --help' (or 'netlab COMMAND --help') for usage.");
            return ExitCodes.UsageOrConnection;
        }

        // Ctrl-C cancels the command's token; --wan then has up to 10 s to take its network apart.
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = io.Out, Error = io.Error, ProcessTerminationTimeout = TimeSpan.FromSeconds(10) }, ct);
    }
}
