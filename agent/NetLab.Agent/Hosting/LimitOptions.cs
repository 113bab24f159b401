using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using NetLab.Agent.Text;

namespace NetLab.Agent.Hosting;

/// <summary>
/// One command-line option per <see cref="AgentLimits"/> property. The default each one shows and applies is
/// read from <c>new AgentLimits()</c>, so a limit's default exists once, in AgentLimits; docs/agent.md's table is
/// checked against this list by a test.
/// </summary>
internal static class LimitOptions
{
    private static readonly AgentLimits Defaults = new();

    /// <summary>Every limit option, in the order the help and docs/agent.md list them.</summary>
    public static IReadOnlyList<LimitOption> All { get; } =
    [
        Count("--max-connections", "Open connections in total; when full, the busiest address's oldest idle one makes room", l => l.MaxConnections, (l, v) => l with { MaxConnections = v }),
        Count("--max-connections-per-address", "Open connections from one client address; loopback is never refused", l => l.MaxConnectionsPerAddress, (l, v) => l with { MaxConnectionsPerAddress = v }),
        Count("--trusted-connections-per-address", "Open connections from one --trusted address (a class behind one NAT)", l => l.TrustedConnectionsPerAddress, (l, v) => l with { TrustedConnectionsPerAddress = v }),
        Count("--max-line", "Longest text-session line, in bytes", l => l.MaxLineBytes, (l, v) => l with { MaxLineBytes = v }),
        Duration("--idle-timeout", "Close a text session in which no whole line arrives for this long", l => l.IdleTimeout, (l, v) => l with { IdleTimeout = v }),
        Duration("--stall-timeout", "Close a transfer or reply that makes no progress for this long", l => l.StallTimeout, (l, v) => l with { StallTimeout = v }),
        Duration("--max-lifetime", "The host's lifetime since boot: then the time-to-live stops it whatever the traffic; 0s = off", l => l.MaxLifetime, (l, v) => l with { MaxLifetime = v }, allowZero: true),
        Size("--egress-per-address", "Bytes sent to one client address per hour (none for --trusted); 0 = no limit", l => l.EgressPerAddressPerHour, (l, v) => l with { EgressPerAddressPerHour = v }, allowZero: true),
        Size("--egress-per-day", "Bytes sent to all clients together per day; 0 = no limit", l => l.EgressPerDay, (l, v) => l with { EgressPerDay = v }, allowZero: true),
        Size("--max-generated", "Largest /source N and /bytes/{n}", l => l.MaxGeneratedBytes, (l, v) => l with { MaxGeneratedBytes = v }),
        Size("--max-storage", "Bytes stored in all files together", l => l.MaxStoredBytes, (l, v) => l with { MaxStoredBytes = v }),
        Size("--max-storage-per-address", "Bytes stored by one client address", l => l.MaxStoredBytesPerAddress, (l, v) => l with { MaxStoredBytesPerAddress = v }),
        Size("--trusted-storage-per-address", "Bytes stored by one --trusted address", l => l.TrustedStoredBytesPerAddress, (l, v) => l with { TrustedStoredBytesPerAddress = v }),
        Size("--max-file-size", "Bytes in one stored file", l => l.MaxFileBytes, (l, v) => l with { MaxFileBytes = v }),
        Count("--max-files", "Stored files, all owners together", l => l.MaxFiles, (l, v) => l with { MaxFiles = v }),
        Count("--max-files-per-address", "Stored files of one client address", l => l.MaxFilesPerAddress, (l, v) => l with { MaxFilesPerAddress = v }),
        Count("--trusted-files-per-address", "Stored files of one --trusted address", l => l.TrustedFilesPerAddress, (l, v) => l with { TrustedFilesPerAddress = v }),
        Duration("--file-lifetime", "Delete a stored file this long after it was written; 0s = keep", l => l.FileLifetime, (l, v) => l with { FileLifetime = v }, allowZero: true),
        Duration("--arm-timeout", "How long /recv and /send wait for the transfer's connection", l => l.ArmTimeout, (l, v) => l with { ArmTimeout = v }),
        Count("--max-queued-transfers", "Raw transfers armed at one address at once; the rest wait their turn in this queue", l => l.MaxQueuedTransfersPerAddress, (l, v) => l with { MaxQueuedTransfersPerAddress = v }),
        Count("--trusted-queued-transfers", "Raw transfers armed at one --trusted address at once", l => l.TrustedQueuedTransfersPerAddress, (l, v) => l with { TrustedQueuedTransfersPerAddress = v }),
        Count("--udp-per-source", "UDP datagrams echoed to one source per second, in bursts of up to 5 s' worth", l => l.UdpPerSourcePerSecond, (l, v) => l with { UdpPerSourcePerSecond = v }),
        Count("--trusted-udp-per-source", "UDP datagrams echoed to one --trusted source per second, likewise", l => l.TrustedUdpPerSourcePerSecond, (l, v) => l with { TrustedUdpPerSourcePerSecond = v }),
        Count("--udp-total", "UDP datagrams echoed to all sources per second, in bursts of up to 5 s' worth", l => l.UdpPerSecond, (l, v) => l with { UdpPerSecond = v }),
        Count("--log-lines-per-minute", "Log lines about client-caused failures per minute, at most 1 per address", l => l.ClientLogLinesPerMinute, (l, v) => l with { ClientLogLinesPerMinute = v }),
        Size("--max-capture-per-address", "Bytes of captured packets kept for one client address (the oldest go first)", l => l.CaptureBytesPerAddress, (l, v) => l with { CaptureBytesPerAddress = v }),
        Size("--max-capture", "Bytes of captured packets kept for all addresses together (the oldest go first)", l => l.CaptureBytes, (l, v) => l with { CaptureBytes = v }),
        Duration("--capture-lifetime", "How long captured packets are kept, in memory only", l => l.CaptureLifetime, (l, v) => l with { CaptureLifetime = v }),
    ];

    /// <summary>The limits as parsed: each option given, or its default.</summary>
    public static AgentLimits From(ParseResult result) => All.Aggregate(Defaults, (limits, option) => option.Apply(result, limits));

    private static LimitOption<int> Count(string name, string description, Func<AgentLimits, int> get, Func<AgentLimits, int, AgentLimits> set) =>
        new LimitOption<int>(name, description, get(Defaults).ToString(CultureInfo.InvariantCulture), set,
            text => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 ? n : null,
            "a whole number, at least 1");

    private static LimitOption<long> Size(string name, string description, Func<AgentLimits, long> get, Func<AgentLimits, long, AgentLimits> set, bool allowZero = false) =>
        new LimitOption<long>(name, description, ByteSize.Format(get(Defaults)), set,
            text => ByteSize.TryParse(text, out var n) && (n > 0 || allowZero) ? n : null,
            "a size such as 500M or 2G");

    private static LimitOption<TimeSpan> Duration(string name, string description, Func<AgentLimits, TimeSpan> get, Func<AgentLimits, TimeSpan, AgentLimits> set, bool allowZero = false) =>
        new LimitOption<TimeSpan>(name, description, Durations.Format(get(Defaults)), set,
            text => Durations.TryParse(text, out var d) && (d > TimeSpan.Zero || (allowZero && d == TimeSpan.Zero)) ? d : null,
            "a duration such as 300ms, 2s, 10m or 8h");
}

/// <summary>A limit's option: its name, what it limits, and its default as typed.</summary>
internal abstract class LimitOption(string name, string description, string defaultText)
{
    public string Name { get; } = name;

    public string Description { get; } = description;

    /// <summary>The default, in the form the option takes (1G, 10m, 256).</summary>
    public string DefaultText { get; } = defaultText;

    public abstract Option Option { get; }

    public abstract AgentLimits Apply(ParseResult result, AgentLimits limits);
}

internal sealed class LimitOption<T>(
    string name, string description, string defaultText, Func<AgentLimits, T, AgentLimits> set, Func<string, T?> parse, string expected)
    : LimitOption(name, description, defaultText)
    where T : struct
{
    private readonly Option<T> _option = new(name)
    {
        Description = $"{description} (default {defaultText})",
        HelpName = typeof(T) == typeof(int) ? "n" : typeof(T) == typeof(long) ? "size" : "duration",
        CustomParser = r => parse(r.Tokens[0].Value) is { } value
            ? value
            : OptionParsers.Fail<T>(r, $"{name}: '{r.Tokens[0].Value}' is not {expected}"),
    };

    public override Option Option => _option;

    public override AgentLimits Apply(ParseResult result, AgentLimits limits) =>
        result.GetResult(_option) is { Implicit: false } ? set(limits, result.GetValue(_option)) : limits;
}
