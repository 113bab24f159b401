namespace NetLab.Cli.Netcat;

/// <summary>What <c>netlab nc</c> was asked to do.</summary>
internal sealed record NetcatOptions(
    string? Host,
    int Port,
    bool Listen,
    bool Ssl,
    bool Udp,
    bool SendOnly,
    bool RecvOnly,
    bool Crlf,
    bool KeepOpen,
    bool Verbose,
    TimeSpan Wait);

/// <summary>Bytes moved, for <c>--json</c>'s summary.</summary>
internal sealed class NetcatCounters
{
    public long Sent;
    public long Received;
    public int Connections;
}
