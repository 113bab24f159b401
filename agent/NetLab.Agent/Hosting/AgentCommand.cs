using System.CommandLine;
using System.CommandLine.Parsing;
using System.Net;
using System.Net.Sockets;
using NetLab.Agent.Text;

namespace NetLab.Agent.Hosting;

/// <summary>The <c>netlab-agent</c> command line.</summary>
public static class AgentCommand
{
    private static readonly Option<int> Port = new("--port", "-p")
    {
        Description = "TCP and UDP port to serve every lab protocol on (0 = any free port)",
        DefaultValueFactory = _ => LabPorts.Agent,
        Validators = { r => { if (r.GetValueOrDefault<int>() is < 0 or > 65535) { r.AddError("--port must be 0-65535"); } } },
    };

    private static readonly Option<IPAddress> Bind = new("--bind", "-b")
    {
        Description = "Address to listen on (0.0.0.0 = every IPv4 interface, :: = IPv4 and IPv6, 127.0.0.1 = this machine only)",
        DefaultValueFactory = _ => IPAddress.Any,
        CustomParser = r => IPAddress.TryParse(r.Tokens[0].Value, out var ip) ? ip : OptionParsers.Fail<IPAddress>(r, $"--bind: '{r.Tokens[0].Value}' is not an IP address"),
    };

    private static readonly Option<string> DataDir = new("--data-dir")
    {
        Description = "Folder for stored files and the certificate (default: $STATE_DIRECTORY, else ~/.local/share/netlab-agent)",
        DefaultValueFactory = _ => AgentOptions.DefaultDataDir(),
    };

    private static readonly Option<TimeSpan> SniffTimeout = OptionParsers.Duration("--sniff-timeout", "How long a silent connection waits before it becomes a text session", "300ms");
    private static readonly Option<TimeSpan> IdleTimeout = OptionParsers.Duration("--idle-timeout", "Close text sessions idle this long", "10m");
    private static readonly Option<int> MaxConnections = CountOption("--max-connections", "Open connections in total", new AgentLimits().MaxConnections);
    private static readonly Option<int> MaxPerAddress = CountOption("--max-connections-per-address", "Open connections from one client address", new AgentLimits().MaxConnectionsPerAddress);
    private static readonly Option<int> MaxLine = CountOption("--max-line", "Longest text-session line, in bytes", new AgentLimits().MaxLineBytes);
    private static readonly Option<long> MaxStorage = SizeOption("--max-storage", "Bytes stored in all files together", "1G");
    private static readonly Option<long> MaxFile = SizeOption("--max-file-size", "Bytes in one stored file", "256M");

    private static readonly Option<string[]> CertNames = new("--cert-name")
    {
        Description = "Extra DNS name or IP for the certificate (repeatable; e.g. the public IP)",
        AllowMultipleArgumentsPerToken = true,
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
            "  openssl s_client -connect localhost:11211")
        {
            Port, Bind, DataDir, SniffTimeout, IdleTimeout, MaxConnections, MaxPerAddress, MaxLine, MaxStorage, MaxFile, CertNames,
        };
        root.SetAction((result, _) => run(ToOptions(result)));
        root.Subcommands.Add(IdleCheckCommand.Create());
        return root;
    }

    private static AgentOptions ToOptions(ParseResult r) => new()
    {
        Port = r.GetValue(Port),
        Bind = r.GetValue(Bind)!,
        DataDir = Path.GetFullPath(r.GetValue(DataDir)!),
        SniffTimeout = r.GetValue(SniffTimeout),
        CertificateNames = r.GetValue(CertNames) ?? [],
        Limits = new AgentLimits
        {
            MaxConnections = r.GetValue(MaxConnections),
            MaxConnectionsPerAddress = r.GetValue(MaxPerAddress),
            MaxLineBytes = r.GetValue(MaxLine),
            IdleTimeout = r.GetValue(IdleTimeout),
            MaxStoredBytes = r.GetValue(MaxStorage),
            MaxFileBytes = r.GetValue(MaxFile),
        },
    };

    /// <summary>True when a bind or listen failed because the port is taken: a message, not a stack trace.</summary>
    public static string? Explain(Exception e, AgentOptions options) => e switch
    {
        SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } or IOException { InnerException: not null } when e.ToString().Contains("in use", StringComparison.OrdinalIgnoreCase) =>
            $"port {options.Port} on {options.Bind} is already in use (another netlab-agent, or nc -l?). Stop it or pick another with --port.",
        SocketException { SocketErrorCode: SocketError.AddressNotAvailable } =>
            $"{options.Bind} is not an address of this machine; use --bind 0.0.0.0 or one of its addresses.",
        SocketException { SocketErrorCode: SocketError.AccessDenied } =>
            $"not allowed to listen on port {options.Port} (ports below 1024 need root or CAP_NET_BIND_SERVICE).",
        UnauthorizedAccessException => $"cannot write to the data directory {options.DataDir}: {e.Message} (use --data-dir)",
        _ => null,
    };

    private static Option<int> CountOption(string name, string description, int fallback) => new(name)
    {
        Description = $"{description} (default {fallback})",
        DefaultValueFactory = _ => fallback,
        Validators = { r => { if (r.GetValueOrDefault<int>() < 1) { r.AddError($"{name} must be at least 1"); } } },
    };

    private static Option<long> SizeOption(string name, string description, string fallback) => new(name)
    {
        Description = $"{description} (e.g. 500M, 2G; default {fallback})",
        DefaultValueFactory = _ => ByteSize.TryParse(fallback, out var n) ? n : 0,
        CustomParser = r => ByteSize.TryParse(r.Tokens[0].Value, out var n) && n > 0
            ? n
            : OptionParsers.Fail<long>(r, $"{name}: '{r.Tokens[0].Value}' is not a size such as 500M or 2G"),
    };
}
