using System.CommandLine;
using System.Text.Json;
using NetLab.Cli.Lab;
using Spectre.Console;

namespace NetLab.Cli.Commands;

/// <summary><c>netlab ports &lt;host&gt;</c>: open, closed or filtered, with service names.</summary>
internal static class PortsCommand
{
    public static Command Create(CliIO io)
    {
        var host = new Argument<string>("host") { Description = "The host to probe" };
        var ports = new Option<int[]>("--ports")
        {
            Description = $"Ports to probe, comma-separated (default {string.Join(",", PortScanner.DefaultPorts)})",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => PortScanner.DefaultPorts,
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
                        r.AddError($"--ports: '{text}' is not a port (1-65535)");
                    }
                }

                return list.ToArray();
            },
        };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for an answer before calling a port filtered (default 1.5)", DefaultValueFactory = _ => 1.5 };
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
            var results = await PortScanner.ScanAsync(r.GetValue(host)!, r.GetValue(ports)!, TimeSpan.FromSeconds(r.GetValue(timeout)), ct);
            if (r.GetValue(json))
            {
                await io.Out.WriteLineAsync(JsonSerializer.Serialize(new
                {
                    schema = "netlab.ports/1",
                    host = r.GetValue(host),
                    ports = results.Select(p => new { port = p.Port, state = p.State.ToString().ToLowerInvariant(), service = p.Service, ms = Math.Round(p.Milliseconds, 1) }),
                }, Exercises.Render.Json));
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
