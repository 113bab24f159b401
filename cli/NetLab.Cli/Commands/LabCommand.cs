using Spectre.Console;
using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Logging;
using NetLab.Agent;
using NetLab.Agent.Hosting;
using NetLab.Cli.Exercises;
using NetLab.Cli.Lab;

namespace NetLab.Cli.Commands;

/// <summary><c>netlab lab</c>: an agent in-process on loopback, and every exercise against it.</summary>
internal static class LabCommand
{
    public static Command Create(CliIO io)
    {
        var only = CommonOptions.Only();
        var json = CommonOptions.Json();
        var report = CommonOptions.Report();
        var command = new Command("lab", """
            Start a netlab-agent inside this process on 127.0.0.1 (a free port, a throw-away data folder) and
            run every exercise against it: the whole lab on one machine, no cloud needed.

            Examples:
              netlab lab
              netlab lab --only http,https
              netlab lab --json
            """)
        {
            only, json, report,
        };
        command.SetAction((r, ct) => RunAsync(io, CommonOptions.Select(r.GetValue(only)), r.GetValue(json), r.GetValue(report), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliIO io, IReadOnlyList<Exercise> exercises, bool json, FileInfo? report, CancellationToken ct)
    {
        var dataDir = Directory.CreateTempSubdirectory("netlab-lab-").FullName;
        try
        {
            await using var agent = await AgentHost.StartAsync(new AgentOptions
            {
                Bind = IPAddress.Loopback,
                Port = 0,
                DataDir = dataDir,
                ConfigureLogging = logging => logging.ClearProviders(),
            }, ct);
            if (!json)
            {
                io.Console.WriteLine($"netlab lab: started netlab-agent {AgentHost.Version} on {agent.Endpoint} (certificate {agent.Fingerprint[..23]}…)");
            }

            var context = new ExerciseContext("127.0.0.1", agent.Endpoint.Port, KnownHosts.InMemory(), trustNewCert: false, localLab: true);
            return await ConnectCommand.RunAsync(io, context, exercises, json, report, ct);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
