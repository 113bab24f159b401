using System.CommandLine;
using System.CommandLine.Parsing;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using NetLab.Agent.Capture;

namespace NetLab.Agent.Hosting;

/// <summary>The <c>netlab-agent</c> command line.</summary>
internal static class AgentCommand
{
    private static readonly AgentOptions Defaults = new();

    private static readonly Option<int> Port = OptionParsers.Port("--port", $"TCP and UDP port to serve every lab protocol on (0 = any free port; default {LabPorts.Agent})", min: 0, "-p");

    private static readonly Option<int?> WebPort = new("--web-port")
    {
        Description = "Also serve the lab's HTTP routes, and only those, on this TCP port (0 = any free port): the URL for a browser, which opens silent connections early that the lab port would answer with the text banner. The tutorial's Flask port is 5000 (default: off)",
        HelpName = "port",
        CustomParser = r => int.TryParse(r.Tokens[0].Value, out var port) && port is >= 0 and <= 65535 ? port : OptionParsers.Fail<int?>(r, $"--web-port: '{r.Tokens[0].Value}' is not a port, 0-65535 (e.g. --web-port 5000)"),
    };

    private static readonly Option<IPAddress> Bind = new("--bind", "-b")
    {
        Description = "Address to listen on (0.0.0.0 = every IPv4 interface, :: = IPv4 and IPv6, 127.0.0.1 = this machine only; default 0.0.0.0)",
        CustomParser = r => IPAddress.TryParse(r.Tokens[0].Value, out var ip) ? ip : OptionParsers.Fail<IPAddress>(r, $"--bind: '{r.Tokens[0].Value}' is not an IP address"),
    };

    private static readonly Option<string> DataDir = new("--data-dir")
    {
        Description = "Folder for stored files and the certificate (default: $STATE_DIRECTORY, else ~/.local/share/netlab-agent)",
        HelpName = "dir",
    };

    private static readonly Option<TimeSpan> SniffTimeout = OptionParsers.Duration("--sniff-timeout", "How long a silent connection waits before it becomes a text session", Defaults.SniffTimeout);

    private static readonly Option<TimeSpan> BrowserSniffTimeout = OptionParsers.Duration("--browser-sniff-timeout",
        $"How long a silent connection waits before the banner when a browser at its address spoke HTTP on this port in the last {Durations.Format(Defaults.BrowserMemory)} (browsers open silent connections early and keep them); 0s = off",
        Defaults.BrowserSniffTimeout, allowZero: true);

    private static readonly Option<string[]> CertNames = new("--cert-name")
    {
        Description = "Extra DNS name or IP for the certificate (repeatable; e.g. the public IP)",
        AllowMultipleArgumentsPerToken = true,
    };

    private static readonly Option<IPNetwork[]> Trusted = new("--trusted")
    {
        Description = "A network (CIDR, IPv4 or IPv6) whose addresses get class-sized limits: a class behind one NAT address. Repeatable; the stack passes the security group's allowedCidr unless it is 0.0.0.0/0. Loopback is always trusted (default: none)",
        HelpName = "cidr",
        AllowMultipleArgumentsPerToken = true,
        CustomParser = r => r.Tokens.Select(t => IPNetwork.TryParse(t.Value, out var n) ? n : (IPNetwork?)null).ToList() is var parsed && parsed.All(n => n is not null)
            ? [.. parsed.Select(n => n!.Value)]
            : OptionParsers.Fail<IPNetwork[]>(r, $"--trusted: '{r.Tokens.First(t => !IPNetwork.TryParse(t.Value, out _)).Value}' is not a network such as 198.51.100.0/24 or 2001:db8::/48"),
    };

    private static readonly Option<CaptureMode> Capture = new("--capture")
    {
        Description = "Record the lab port's packets for /capture and /wire: auto = when allowed (CAP_NET_RAW on Linux; root locally), off = never (default: auto)",
        HelpName = "auto|off",
        CustomParser = r => r.Tokens[0].Value switch
        {
            "auto" => CaptureMode.Auto,
            "off" => CaptureMode.Off,
            var other => OptionParsers.Fail<CaptureMode>(r, $"--capture: '{other}' is not auto or off"),
        },
    };

    /// <summary>Builds the root command; <paramref name="run"/> gets the parsed options.</summary>
    public static RootCommand Create(Func<AgentOptions, Task<int>> run)
    {
        var root = new RootCommand(
            "netlab-agent: the NetLabCloud lab server. Every lab protocol on one port, TCP and UDP:\n" +
            "a text session for nc/ncat/telnet (\"Successfully Connected\", \"What?\", /help), TLS for ncat --ssl and\n" +
            "openssl s_client, HTTP and HTTPS for curl and wget, UDP echo for nc -u.\n\n" +
            "Examples:\n" +
            "  netlab-agent                          serve on 0.0.0.0:11211\n" +
            "  netlab-agent --bind 127.0.0.1 -p 9000 this machine only, port 9000\n" +
            "  nc localhost 11211                    then type anything (q quits, /help lists commands)\n" +
            "  curl http://localhost:11211/index/Adam\n" +
            "  netlab-agent --web-port 5000          browsers: http://localhost:5000/index (and https://localhost:11211/)\n" +
            "  openssl s_client -connect localhost:11211")
        {
            Port, WebPort, Bind, DataDir, SniffTimeout, BrowserSniffTimeout, CertNames, Trusted, Capture,
        };
        foreach (var limit in LimitOptions.All)
        {
            root.Options.Add(limit.Option);
        }

        root.SetAction((result, _) => run(ToOptions(result)));
        root.Subcommands.Add(IdleCheckCommand.Create());
        root.Subcommands.Add(ListenCommand.Create());
        return root;
    }

    private static AgentOptions ToOptions(ParseResult r) => new()
    {
        Port = r.ValueOr(Port, Defaults.Port),
        WebPort = r.GetValue(WebPort),
        Bind = r.ValueOr(Bind, Defaults.Bind),
        DataDir = Path.GetFullPath(r.ValueOr(DataDir, Defaults.DataDir)),
        SniffTimeout = r.ValueOr(SniffTimeout, Defaults.SniffTimeout),
        BrowserSniffTimeout = r.ValueOr(BrowserSniffTimeout, Defaults.BrowserSniffTimeout),
        CertificateNames = r.GetValue(CertNames) ?? [],
        Trusted = r.GetValue(Trusted) ?? [],
        Capture = r.ValueOr(Capture, Defaults.Capture),
        Limits = LimitOptions.From(r),
    };

    /// <summary>True when a bind or listen failed because the port is taken: a message, not a stack trace.</summary>
    public static string? Explain(Exception e, AgentOptions options) => e switch
    {
        WebPortTakenException =>
            $"--web-port {options.WebPort}: port {options.WebPort} on {options.Bind} is already in use (a Flask app, python flaskpage.py, another netlab-agent?). Stop it or pick another with --web-port.",
        SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } or IOException { InnerException: AddressInUseException } =>
            $"port {options.Port} on {options.Bind} is already in use (another netlab-agent, or nc -l?). Stop it or pick another with --port.",
        SocketException { SocketErrorCode: SocketError.AddressNotAvailable } =>
            $"{options.Bind} is not an address of this machine; use --bind 0.0.0.0 or one of its addresses.",
        SocketException { SocketErrorCode: SocketError.AccessDenied } =>
            $"not allowed to listen on port {options.Port} (ports below 1024 need root or CAP_NET_BIND_SERVICE).",
        UnauthorizedAccessException => $"cannot write to the data directory {options.DataDir}: {e.Message} (use --data-dir)",
        _ => null,
    };
}
