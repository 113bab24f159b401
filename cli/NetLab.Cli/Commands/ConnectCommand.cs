using System.CommandLine;
using NetLab.Agent;
using NetLab.Agent.Hosting;
using NetLab.Cli.Exercises;
using NetLab.Cli.Lab;

namespace NetLab.Cli.Commands;

/// <summary><c>netlab connect &lt;host&gt;</c>: every exercise against a running agent.</summary>
internal static class ConnectCommand
{
    public static Command Create(CliIO io)
    {
        var host = new Argument<string>("host") { Description = "The lab host: its public IP or DNS name, or 127.0.0.1" };
        var port = CommonOptions.Port();
        var only = CommonOptions.Only();
        var json = CommonOptions.Json();
        var report = CommonOptions.Report();
        var trust = CommonOptions.TrustNewCert();
        var knownHosts = CommonOptions.KnownHostsFile();
        var wire = new CommonOptions.WireOptions();
        var command = new Command("connect", """
            Run every exercise against a netlab-agent, one at a time: PASS/FAIL, the figures, what it shows,
            and the classic command to try by hand. TLS certificates are pinned on first use.

            Examples:
              netlab connect 203.0.113.7
              netlab connect lab.example.com --only tcp,tls,http
              netlab connect 203.0.113.7 --json > results.json
              netlab connect 203.0.113.7 --report lab-report.html     a page with charts (.md: Markdown)
              netlab connect 203.0.113.7 --wire --pcap run.pcapng     every exercise's packets, and a file for Wireshark
            """)
        {
            host, port, only, json, report, trust, knownHosts,
        };
        wire.AddTo(command);
        command.SetAction((r, ct) =>
        {
            var context = new ExerciseContext(r.GetValue(host)!, r.ValueOr(port, LabPorts.Agent), CommonOptions.LoadPins(r.GetValue(knownHosts)), r.GetValue(trust), localLab: false)
            {
                Wire = wire.Read(r),
            };
            return RunAsync(io, context, CommonOptions.Select(r.GetValue(only)), r.GetValue(json), r.GetValue(report), ct);
        });
        return command;
    }

    /// <summary>
    /// Checks the agent answers, runs the exercises, prints and saves what happened. Shared with <c>lab</c>, whose
    /// <paramref name="reportNote"/> closes the report (whether its agent still runs for the commands).
    /// </summary>
    public static async Task<int> RunAsync(CliIO io, ExerciseContext context, IReadOnlyList<Exercise> exercises, bool json, FileInfo? report, CancellationToken ct,
        string? reportNote = null)
    {
        // One look first: a peer that is not an agent is named as such in seconds, not after thirteen timeouts.
        var probe = await AgentProbe.ProbeAsync(context.Host, context.Port, ct);
        if (!probe.IsAgent)
        {
            return Fail.Write(io, json, probe.Problem!, probe.ExitCode);
        }

        context.Rtt = probe.Rtt;

        var result = await ExerciseRunner.RunAsync(context, exercises, io, quiet: json, ExerciseRunner.DefaultTimeout, ct);
        if (json)
        {
            io.Json(result);
        }

        if (report is not null)
        {
            if (await ReportFile.WriteAsync(report, ReportFile.Render(report, result, reportNote, DateTimeOffset.UtcNow), ct) is { } problem)
            {
                return Fail.Write(io, json: false, problem, ExitCodes.UsageOrConnection); // the results are out already, JSON included
            }

            if (!json)
            {
                new ConsoleLine(0, 2).Text($"report written to {report.FullName}").WriteTo(io.Console);
            }
        }

        return result.Failed == 0 ? ExitCodes.Success : ExitCodes.CheckFailed;
    }
}
