using System.CommandLine;
using NetLab.Agent.Hosting;
using NetLab.Cli.Lab;
using Spectre.Console;

namespace NetLab.Cli.Commands;

/// <summary><c>netlab ports &lt;host&gt;</c>: open, closed or filtered, with service names.</summary>
internal static class PortsCommand
{
    /// <summary>An open port answers within a round trip, or a retransmitted SYN after a second; silence past that is a firewall.</summary>
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(1.5);

    public static Command Create(CliIO io)
    {
        var host = new Argument<string>("host") { Description = "The host to probe" };
        var ports = new Option<int[]>("--ports")
        {
            Description = $"Ports to probe, comma-separated (default {string.Join(",", PortScanner.DefaultPorts)})",
            AllowMultipleArgumentsPerToken = true,
            HelpName = "list",
            CustomParser = r =>
            {
                var list = new List<int>();
                foreach (var text in r.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
                {
                    if (int.TryParse(text, out var p) && p is > 0 and < 65536)
                    {
                        list.Add(p);
                    }
                    else
                    {
                        r.AddError($"--ports: '{text}' is not a port; give numbers from 1 to 65535, comma-separated, e.g. --ports 22,80,11211");
                    }
                }

                if (list.Count == 0 && r.Tokens.All(t => t.Value.Trim(',', ' ').Length == 0))
                {
                    r.AddError("--ports: no port given; e.g. --ports 22,80,11211");
                }

                return list.ToArray();
            },
        };
        var timeout = Seconds.Option("--timeout", "How long to wait for an answer before calling a port filtered", Seconds.Format(DefaultTimeout));
        var json = CommonOptions.Json();
        var command = new Command("ports", """
            Probe TCP ports the way a firewall lesson needs: open (the handshake completed), closed (refused:
            the host answered but nothing listens), filtered (no answer: a firewall dropped it).

            Examples:
              netlab ports 203.0.113.7
              netlab ports 127.0.0.1 --ports 22,80,11211
              netlab ports lab.example.com --json
            """)
        {
            host, ports, timeout, json,
        };
        command.SetAction(async (r, ct) =>
        {
            var results = await PortScanner.ScanAsync(r.GetValue(host)!, r.ValueOr(ports, PortScanner.DefaultPorts), r.ValueOr(timeout, DefaultTimeout), ct);
            if (r.GetValue(json))
            {
                io.Json(new PortsDocument(
                    r.GetValue(host)!,
                    results.Select(p => new PortsEntry(p.Port, p.State.ToString().ToLowerInvariant(), p.Service, Math.Round(p.Milliseconds, 1))).ToList()));
                return ExitCodes.Success;
            }

            var table = new Table().AddColumns("port", "state", "service", "time");
            foreach (var p in results)
            {
                table.AddRow($"{p.Port}/tcp", p.State.ToString().ToLowerInvariant(), Markup.Escape(p.Service), $"{p.Milliseconds:F0} ms");
            }

            io.Console.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }
}
