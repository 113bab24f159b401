namespace NetLab;

/// <summary>
/// Every limit the agent enforces, in the one place they live. Each one, when hit, gives the client a clear
/// error line or status; each has a command-line option (Hosting/LimitOptions.cs) whose default is read from
/// here. The defaults are sized for a lab host on the open internet: see docs/aws.md's cost section.
/// </summary>
public sealed record AgentLimits
{
    /// <summary>Open TCP connections in total. When full, a new address is still served: the oldest idle connection of the busiest address is closed to make room.</summary>
    public int MaxConnections { get; init; } = 20_000;

    /// <summary>Open TCP connections from one client address. Loopback is never refused.</summary>
    public int MaxConnectionsPerAddress { get; init; } = 256;

    /// <summary>Open TCP connections from one trusted address (<c>--trusted</c>): a class of 50 behind one NAT, each with a few open.</summary>
    public int TrustedConnectionsPerAddress { get; init; } = 2_000;

    /// <summary>Longest line a text session accepts, in bytes, without its line ending.</summary>
    public int MaxLineBytes { get; init; } = 8 * 1024;

    /// <summary>A text session in which no complete line arrives for this long is closed.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>A transfer or a reply that makes no progress for this long (a client that stops sending or reading) is closed.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The host's maximum lifetime since it booted: after it the time-to-live stops it whatever the traffic; zero turns it off.</summary>
    public TimeSpan MaxLifetime { get; init; } = TimeSpan.FromHours(8);

    /// <summary>Bytes the agent may send to one client address per hour (a token bucket: a full hour's worth at once, then at that rate); zero turns it off. Trusted addresses (<c>--trusted</c>) have none: the daily total holds for them.</summary>
    public long EgressPerAddressPerHour { get; init; } = 256L << 20;

    /// <summary>Bytes the agent may send to everyone together per day (a token bucket, as the per-address one); zero turns it off.</summary>
    public long EgressPerDay { get; init; } = 10L << 30;

    /// <summary>Largest <c>/source N</c> and <c>/bytes/{n}</c>.</summary>
    public long MaxGeneratedBytes { get; init; } = 64L << 20;

    /// <summary>Bytes stored in the data directory's files, all owners together.</summary>
    public long MaxStoredBytes { get; init; } = 1L << 30;

    /// <summary>Bytes stored by one client address (its files are its own).</summary>
    public long MaxStoredBytesPerAddress { get; init; } = 256L << 20;

    /// <summary>Bytes stored by one trusted address (<c>--trusted</c>): a class of 50 behind one NAT.</summary>
    public long TrustedStoredBytesPerAddress { get; init; } = 1L << 30;

    /// <summary>Bytes in one stored file.</summary>
    public long MaxFileBytes { get; init; } = 128L << 20;

    /// <summary>Stored files, all owners together.</summary>
    public int MaxFiles { get; init; } = 1_000;

    /// <summary>Stored files of one client address.</summary>
    public int MaxFilesPerAddress { get; init; } = 100;

    /// <summary>Stored files of one trusted address (<c>--trusted</c>): a class of 50 behind one NAT, 20 each.</summary>
    public int TrustedFilesPerAddress { get; init; } = 1_000;

    /// <summary>A stored file is deleted this long after it was last written; zero keeps files for ever.</summary>
    public TimeSpan FileLifetime { get; init; } = TimeSpan.FromHours(24);

    /// <summary>How long a <c>/recv</c> or <c>/send</c> stays armed waiting for the next connection.</summary>
    public TimeSpan ArmTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Raw transfers (<c>/recv</c>, <c>/send</c>) armed at one address at once: the one whose turn it is and those queued behind it, each waiting at most an arm timeout per transfer ahead.</summary>
    public int MaxQueuedTransfersPerAddress { get; init; } = 4;

    /// <summary>Raw transfers armed at one trusted address at once (<c>--trusted</c>): a class of 50 behind one NAT.</summary>
    public int TrustedQueuedTransfersPerAddress { get; init; } = 64;

    /// <summary>UDP datagrams echoed to one source per second (bursts of five seconds' worth); the rest are dropped and counted.</summary>
    public int UdpPerSourcePerSecond { get; init; } = 64;

    /// <summary>UDP datagrams echoed to one trusted source per second (<c>--trusted</c>), in bursts of five seconds' worth; the total still holds.</summary>
    public int TrustedUdpPerSourcePerSecond { get; init; } = 1_000;

    /// <summary>UDP datagrams echoed to all sources together per second (bursts of five seconds' worth).</summary>
    public int UdpPerSecond { get; init; } = 1_000;

    /// <summary>Log lines about client-caused failures per minute, all clients together (and at most one per client address).</summary>
    public int ClientLogLinesPerMinute { get; init; } = 60;

    /// <summary>
    /// Bytes of captured packets kept for one client address (headers and at most 64 payload bytes each, about 80 to
    /// 210 bytes a packet with its record: 10,000 to 26,000 packets, several exercises' worth); its oldest go first.
    /// </summary>
    public long CaptureBytesPerAddress { get; init; } = 2L << 20;

    /// <summary>
    /// Bytes of captured packets kept for all addresses together; the globally oldest go first. 40 MiB keeps the capture
    /// within the 64 MiB the lab host allows it with 1,000 active addresses, measured as the agent's own growth, not only
    /// what it counts: the chunks (counted here), a few hundred bytes of bookkeeping an address (under 1 MiB for 1,000),
    /// the kernel's 2 MiB ring, and the garbage collector's room around the chunks (bench/capture-memory: at 48 MiB the
    /// agent grew 68 MiB more than without capture).
    /// </summary>
    public long CaptureBytes { get; init; } = 40L << 20;

    /// <summary>How long captured packets are kept (in memory only, never on disk): a lab session's exercises, fetched after each.</summary>
    public TimeSpan CaptureLifetime { get; init; } = TimeSpan.FromMinutes(10);
}
