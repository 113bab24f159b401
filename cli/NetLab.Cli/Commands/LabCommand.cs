using System.CommandLine;
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
        var serve = new Option<int?>("--serve")
        {
            Description = $"After the report, keep the agent running until Ctrl-C, so every try-by-hand command works against it: on port {LabPorts.Agent} (a free one if that is taken), or on the port given",
            Arity = ArgumentArity.ZeroOrOne,
            HelpName = "port",
            CustomParser = r => r.Tokens.Count == 0 ? AnyPort : CommonOptions.ParsePort(r, "--serve", LabPorts.Agent),
        };
        var webPort = new Option<int?>("--web-port")
        {
            Description = $"With --serve: the port where the agent serves its pages to a browser, HTTP only (the client speaks first there, so a browser's early silent connections work; default {LabAgent.FlaskPort}, the tutorial's Flask port, or a free one if that is taken)",
            HelpName = "port",
            CustomParser = r => CommonOptions.ParsePort(r, "--web-port", LabAgent.FlaskPort),
        };
        var wan = new Option<string?>("--wan")
        {
            Description = $"Put the agent behind an emulated internet path and the cloud's firewall (Linux, root): {WanPath.Syntax}; alone, {WanPath.Default}",
            Arity = ArgumentArity.ZeroOrOne,
            HelpName = "DELAY[,LOSS[,RATE]]",
        };
        var command = new Command("lab", """
            Start a netlab-agent inside this process on 127.0.0.1 (a free port, a throw-away data folder) and
            run every exercise against it: the whole lab on one machine, no cloud needed. The agent stops with
            the report; with --serve it keeps running, on port 11211, for the try-by-hand commands, until Ctrl-C,
            and opens its pages for a browser at http://127.0.0.1:5000/index, as the tutorial's Flask app does.

            With --wan, the agent runs instead in a network namespace of its own, the "lab host", reached over an
            emulated internet path (one-way delay, random loss and a bottleneck rate, both ways) and behind a
            firewall that admits only what the cloud stack's security group does (22/tcp, 11211/tcp, 11211/udp):
            the cloud lab's lessons (round-trip time, loss, filtered ports) without an AWS account.

            Examples:
              netlab lab
              netlab lab --only http,https
              netlab lab --json
              netlab lab --report lab.html                a page with charts to open in a browser (.md: Markdown)
              netlab lab --serve                          then, in another terminal: nc 127.0.0.1 11211
                                                          and in a browser: http://127.0.0.1:5000/index
              netlab lab --serve --web-port 8080          the browser's pages on 8080 instead
              sudo netlab lab --wan                       40 ms each way, 1% loss, 20 Mbit/s
              sudo netlab lab --wan 150ms,2%,5Mbit        a far, lossy, slow path
              sudo netlab lab --wan 40ms,5% --wire        every exercise's packets: the losses and their retransmissions
            """)
        {
            only, json, report, serve, webPort, wan,
        };
        var wire = new CommonOptions.WireOptions();
        wire.AddTo(command);
        command.Validators.Add(r =>
        {
            if (r.GetResult(wan) is { Tokens: [{ Value: var spec }] } && string.IsNullOrWhiteSpace(spec))
            {
                // An empty path is a variable that was not set, not a wish for the default one.
                r.AddError($"--wan: no path given; give {WanPath.Syntax}, or --wan alone for {WanPath.Default}");
            }

            if (r.GetResult(webPort) is not null && (r.GetResult(serve) is null || r.GetResult(wan) is not null))
            {
                r.AddError(r.GetResult(wan) is null
                    ? "--web-port: only with --serve (the web port is for trying the pages in a browser after the run)"
                    : $"--web-port: the lab host of --wan has no web port (its firewall admits what the cloud's does); a browser uses https://<lab host>:{LabPorts.Agent}/");
            }

            if (r.GetResult(wan) is not null && r.GetResult(serve) is { Tokens.Count: > 0 })
            {
                r.AddError($"--serve: the lab host of --wan listens on {LabPorts.Agent}; give --serve without a port");
            }
        });
        command.SetAction((r, ct) =>
        {
            var serving = r.GetValue(serve);
            if (r.GetResult(wan) is null)
            {
                return RunAsync(io, CommonOptions.Select(r.GetValue(only)), r.GetValue(json), r.GetValue(report), serving, r.GetValue(webPort), wire.Read(r), ct);
            }

            if (!WanPath.TryParse(r.GetValue(wan), out var path, out var error))
            {
                return Task.FromResult(Fail.Write(io, r.GetValue(json), $"--wan: {error}", ExitCodes.UsageOrConnection));
            }

            return RunWanAsync(io, path, CommonOptions.Select(r.GetValue(only)), r.GetValue(json), r.GetValue(report), serving is not null, wire.Read(r), ct);
        });
        return command;
    }

    /// <summary>--serve without a port: 11211, the port of the tutorial's commands, or a free one if it is taken.</summary>
    private const int AnyPort = 0;

    private static async Task<int> RunAsync(CliIO io, IReadOnlyList<Exercise> exercises, bool json, FileInfo? report, int? serve, int? webPort, Wire.WireSettings wire, CancellationToken ct)
    {
        var dataDir = Directory.CreateTempSubdirectory("netlab-lab-").FullName;
        try
        {
            int code;
            await using (var agent = await LabAgent.StartAsync(dataDir, serve, ct, webPort))
            {
                var endpoint = $"127.0.0.1:{agent.Port}";
                io.Progress($"netlab lab: started netlab-agent {AgentHost.Version} on {endpoint} (certificate {agent.Host.Fingerprint[..23]}…)", json);
                if (agent.Taken is { } taken)
                {
                    io.Progress($"  port {taken} on 127.0.0.1 is taken (another netlab-agent, or ./run.sh?): this lab's agent listens on {agent.Port} instead, and the commands below name it", json);
                }

                if (agent.WebTaken is { } webTaken)
                {
                    io.Progress($"  port {webTaken} on 127.0.0.1 is taken (a Flask app, python flaskpage.py?): the pages for a browser are on {agent.WebPort} instead", json);
                }

                var context = new ExerciseContext("127.0.0.1", agent.Port, KnownHosts.InMemory(), trustNewCert: false, localLab: true) { WebPort = agent.WebPort, Wire = wire };
                code = await ConnectCommand.RunAsync(io, context, exercises, json, report, ct, serve is null
                    ? "This run's agent stopped when netlab lab ended; to try these commands by hand, keep one running: `netlab lab --serve`."
                    : $"`netlab lab --serve` kept this run's agent on {endpoint} for these commands, until Ctrl-C.");
                if (serve is not null)
                {
                    await ServeAsync(io, json, "127.0.0.1", agent.Port, agent.WebPort, ct);
                }
            }

            if (serve is null && !json)
            {
                io.Line("The agent has stopped; to try the commands by hand against one that keeps running: `netlab lab --serve`");
            }

            return code;
        }
        catch (LabAgent.PortTakenException taken)
        {
            return Fail.Write(io, json, taken.Message, ExitCodes.UsageOrConnection);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>Keeps the agent up for the try-by-hand commands until Ctrl-C (or SIGTERM), saying where it is.</summary>
    private static async Task ServeAsync(CliIO io, bool json, string host, int port, int? webPort, CancellationToken ct)
    {
        var endpoint = Net.Endpoint(host, port);
        io.Progress($"netlab lab --serve: the agent keeps running on {endpoint} (TCP and UDP), so every try-by-hand command above works against it. Ctrl-C stops it.", json);
        io.Progress($"  e.g. `nc {host} {port}`, `curl http://{endpoint}/index/Adam`, `openssl s_client -connect {endpoint}`, `nc -u {host} {port}`", json);
        io.Progress(webPort is { } web
            ? $"  in a browser: `http://{Net.Endpoint(host, web)}/index`, the pages alone on a port of their own, as `python flaskpage.py` serves them (or `https://{endpoint}/index`)"
            : $"  in a browser: `https://{endpoint}/index` (accept its self-signed certificate once)", json);
        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException)
        {
        }

        io.Progress("netlab lab --serve: stopped the agent.", json);
    }

    private static async Task<int> RunWanAsync(CliIO io, WanPath path, IReadOnlyList<Exercise> exercises, bool json, FileInfo? report, bool serve, Wire.WireSettings wire, CancellationToken ct)
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
                io.Line($"netlab lab --wan: the lab host {lab.HostAddress} (netlab-agent {AgentHost.Version}, certificate {lab.Fingerprint[..23]}…) is behind an emulated internet path:");
                io.Line($"  {path}; its firewall admits only {string.Join(", ", LabPorts.Exposed.Select(p => $"{p.Number}/{p.Protocol}"))}, as the cloud stack's security group does");
            }

            // A lab host in every way that matters: its firewall and its ssh are judged as a cloud host's are.
            // The path's own record shows more than the agent's: the packets it lost, and the SYNs the firewall dropped.
            var context = new ExerciseContext(lab.HostAddress, lab.Port, KnownHosts.InMemory(), trustNewCert: false, localLab: false)
            {
                Wire = lab.Capture is { } record ? wire with { Source = new Wire.PathWireSource(record, path.Rtt) } : wire,
            };
            var code = await ConnectCommand.RunAsync(io, context, exercises, json, report, ct);
            if (serve)
            {
                // The path and the firewall stay too: the commands by hand cross the same internet.
                await ServeAsync(io, json, lab.HostAddress, lab.Port, webPort: null, ct);
            }

            return code;
        }
    }
}
