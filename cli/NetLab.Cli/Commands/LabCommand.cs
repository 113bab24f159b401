using Spectre.Console;
using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Logging;
using NetLab.Agent;
using NetLab.Agent.Hosting;
using NetLab.Cli.Exercises;
using NetLab.Cli.Lab;
using NetLab.Cli.Wan;

namespace NetLab.Cli.Commands;

/// <summary><c>netlab lab</c>: an agent in-process on loopback, or behind an emulated internet path (--wan), and every exercise against it.</summary>
internal static class LabCommand
{
    public static Command Create(CliIO io)
    {
        var only = CommonOptions.Only();
        var json = CommonOptions.Json();
        var report = CommonOptions.Report();
        var wan = new Option<string?>("--wan")
        {
            Description = $"Put the agent behind an emulated internet path and the cloud's firewall (Linux, root): {WanPath.Syntax}; alone, {WanPath.Default}",
            Arity = ArgumentArity.ZeroOrOne,
            HelpName = "DELAY[,LOSS[,RATE]]",
        };
        var command = new Command("lab", """
            Start a netlab-agent inside this process on 127.0.0.1 (a free port, a throw-away data folder) and
            run every exercise against it: the whole lab on one machine, no cloud needed.

            With --wan, the agent runs instead in a network namespace of its own, the "lab host", reached over an
            emulated internet path (one-way delay, random loss and a bottleneck rate, both ways) and behind a
            firewall that admits only what the cloud stack's security group does (22/tcp, 11211/tcp, 11211/udp):
            the cloud lab's lessons (round-trip time, loss, filtered ports) without an AWS account.

            Examples:
              netlab lab
              netlab lab --only http,https
              netlab lab --json
              sudo netlab lab --wan                       40 ms each way, 1% loss, 20 Mbit/s
              sudo netlab lab --wan 150ms,2%,5Mbit        a far, lossy, slow path
            """)
        {
            only, json, report, wan,
        };
        command.SetAction((r, ct) =>
        {
            if (r.GetResult(wan) is null)
            {
                return RunAsync(io, CommonOptions.Select(r.GetValue(only)), r.GetValue(json), r.GetValue(report), ct);
            }

            if (!WanPath.TryParse(r.GetValue(wan), out var path, out var error))
            {
                return Task.FromResult(Fail.Write(io, r.GetValue(json), $"--wan: {error}", ExitCodes.UsageOrConnection));
            }

            return RunWanAsync(io, path, CommonOptions.Select(r.GetValue(only)), r.GetValue(json), r.GetValue(report), ct);
        });
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

    private static async Task<int> RunWanAsync(CliIO io, WanPath path, IReadOnlyList<Exercise> exercises, bool json, FileInfo? report, CancellationToken ct)
    {
        if (LinuxHost.WhyNot() is { } why)
        {
            return Fail.Write(io, json, why, ExitCodes.UsageOrConnection);
        }

        WanLab lab;
        try
        {
            lab = await WanLab.StartAsync(path, ct);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
        {
            return Fail.Write(io, json, $"--wan: could not build the lab host and its path: {e.Message}", ExitCodes.UsageOrConnection);
        }

        await using (lab)
        {
            if (!json)
            {
                io.Console.WriteLine($"netlab lab --wan: the lab host {lab.HostAddress} (netlab-agent {AgentHost.Version}, certificate {lab.Fingerprint[..23]}…) is behind an emulated internet path:");
                io.Console.WriteLine($"  {path}; its firewall admits only {string.Join(", ", LabPorts.Exposed.Select(p => $"{p.Number}/{p.Protocol}"))}, as the cloud stack's security group does");
            }

            // A lab host in every way that matters: its firewall and its ssh are judged as a cloud host's are.
            var context = new ExerciseContext(lab.HostAddress, lab.Port, KnownHosts.InMemory(), trustNewCert: false, localLab: false);
            return await ConnectCommand.RunAsync(io, context, exercises, json, report, ct);
        }
    }
}
