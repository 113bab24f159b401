using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using NetLab.Agent.Hosting;
using NetLab.Cli.Netcat;

namespace NetLab.Cli.Commands;

/// <summary><c>netlab nc</c>: a netcat for machines without one.</summary>
internal static class NcCommand
{
    public static Command Create(CliIO io)
    {
        var targets = new Argument<string[]>("host port") { Description = "Connect: HOST PORT. Listen (-l): PORT, or ADDRESS PORT", Arity = new ArgumentArity(1, 2) };
        var listen = new Option<bool>("--listen", "-l") { Description = "Listen for a connection instead of connecting" };
        var ssl = new Option<bool>("--ssl") { Description = "TLS: as a client, encrypt without verifying (like ncat --ssl); as a listener, a throw-away self-signed certificate" };
        var udp = new Option<bool>("--udp", "-u") { Description = "UDP: each line of stdin is one datagram" };
        var sendOnly = new Option<bool>("--send-only") { Description = "Only send stdin; never print what comes back" };
        var recvOnly = new Option<bool>("--recv-only") { Description = "Only print what arrives; never read stdin" };
        var crlf = new Option<bool>("--crlf", "-C") { Description = "Send line endings as CRLF (what telnet and HTTP expect)" };
        var keepOpen = new Option<bool>("--keep-open", "-k") { Description = "With -l: accept another connection after each one ends (stdin goes to one connection after another)" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Say on stderr what happens (listening, connected, TLS)" };
        var wait = Seconds.Option("--wait", "Connect timeout, and with -u how long to wait for replies after stdin ends", "10, with -u 1", aliases: "-w");
        var interval = Seconds.Option("--interval", "Pause after each line sent, as nc -i", "0, none", allowZero: true, "-i");
        var json = new Option<bool>("--json") { Description = "At the end, print a JSON summary (bytes sent and received) on stderr; stdout stays the data" };
        var command = new Command("nc", """
            A netcat for machines without one (Windows, a bare Mac). It connects, or listens with -l, and copies
            stdin to the network and the network to stdout.

            End of stream: when stdin ends, netlab nc half-closes (sends FIN; with --ssl a TLS close_notify first)
            and keeps printing until the other side closes. When the other side closes, netlab nc exits.

            Examples:
              netlab nc 203.0.113.7 11211                      the text session: type, q to quit
              netlab nc -C --ssl 203.0.113.7 11211             the same over TLS, CRLF line endings
              netlab nc -l 11211 > outputfile                  receive a file
              netlab nc --send-only 203.0.113.7 11211 < file   send a file
              netlab nc -u 203.0.113.7 11211                   UDP: lines echo back from the agent
              netlab nc -w 2 -i 0.5 203.0.113.7 11211 < lines  at most 2 s to connect, half a second between lines
            """)
        {
            targets, listen, ssl, udp, sendOnly, recvOnly, crlf, keepOpen, verbose, wait, interval, json,
        };
        command.Validators.Add(r =>
        {
            var values = r.GetValue(targets) ?? [];
            var isListen = r.GetValue(listen);
            if (!isListen && values.Length != 2)
            {
                r.AddError("connect needs HOST and PORT (e.g. netlab nc 127.0.0.1 11211); to listen, add -l");
            }

            // A listener may ask for any free port (0); a connection goes to a real one.
            var last = values.LastOrDefault();
            var lowest = isListen ? 0 : 1;
            if (last is not null && (!int.TryParse(last, out var port) || port < lowest || port > 65535))
            {
                r.AddError($"'{last}' is not a port{(isListen ? " to listen on" : "")}; give a number from {lowest} to 65535, e.g. netlab nc {(isListen ? "-l " : "203.0.113.7 ")}11211");
            }

            if (r.GetValue(sendOnly) && r.GetValue(recvOnly))
            {
                r.AddError("--send-only and --recv-only together would move nothing");
            }

            if (r.GetValue(udp) && r.GetValue(ssl))
            {
                r.AddError("--ssl is TLS over TCP; it does not go with -u");
            }
        });
        command.SetAction(async (r, ct) =>
        {
            var values = r.GetValue(targets)!;
            var isUdp = r.GetValue(udp);
            var options = new NetcatOptions(
                values.Length == 2 ? values[0] : null,
                int.Parse(values[^1]),
                r.GetValue(listen), r.GetValue(ssl), isUdp, r.GetValue(sendOnly), r.GetValue(recvOnly), r.GetValue(crlf),
                r.GetValue(keepOpen), r.GetValue(verbose),
                r.ValueOr(wait, TimeSpan.FromSeconds(isUdp ? 1 : 10)),
                r.ValueOr(interval, TimeSpan.Zero));
            var counters = new NetcatCounters();
            var clock = Stopwatch.StartNew();
            var code = ExitCodes.Success;
            string? error = null;
            try
            {
                await new NetcatRun(options, io, counters).RunAsync(ct);
            }
            catch (Exception e) when (NetcatErrors.Describe(e, options) is { } message)
            {
                error = message;
                code = ExitCodes.UsageOrConnection;
                io.Error.WriteLine($"netlab nc: {message}");
            }

            if (r.GetValue(json))
            {
                // On stderr, on one line: stdout is the data.
                io.Error.WriteLine(JsonSerializer.Serialize(new NcDocument(counters.Sent, counters.Received, counters.Connections, Math.Round(clock.Elapsed.TotalSeconds, 3), error)));
            }

            return code;
        });
        return command;
    }
}
