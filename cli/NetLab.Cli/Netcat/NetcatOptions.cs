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
    TimeSpan Wait,
    TimeSpan Interval)
{
    /// <summary>host:port as the user wrote it, for messages (never .NET's "[::ffff:127.0.0.1]:11211").</summary>
    public string Where => Host is null ? $"port {Port}" : Lab.Net.Endpoint(Host, Port);
}

/// <summary>Bytes moved, for <c>--json</c>'s summary.</summary>
internal sealed class NetcatCounters
{
    public long Sent;
    public long Received;
    public int Connections;
}
