using System.Net;
using Microsoft.Extensions.Logging;

namespace NetLab.Agent;

/// <summary>Every limit the agent enforces. Each one, when hit, gives the client a clear error line or status.</summary>
public sealed record AgentLimits
{
    /// <summary>Open TCP connections in total.</summary>
    public int MaxConnections { get; init; } = 20_000;

    /// <summary>Open TCP connections from one client address.</summary>
    public int MaxConnectionsPerAddress { get; init; } = 256;

    /// <summary>Longest line a text session accepts, in bytes, without its line ending.</summary>
    public int MaxLineBytes { get; init; } = 8 * 1024;

    /// <summary>A text session with no input for this long is closed.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Bytes stored in the data directory's files, all together.</summary>
    public long MaxStoredBytes { get; init; } = 1L << 30;

    /// <summary>Bytes in one stored file.</summary>
    public long MaxFileBytes { get; init; } = 256L << 20;

    /// <summary>Largest <c>/source N</c> and <c>/bytes/{n}</c>.</summary>
    public long MaxGeneratedBytes { get; init; } = 16L << 30;

    /// <summary>How long a <c>/recv</c> or <c>/send</c> stays armed waiting for the next connection.</summary>
    public TimeSpan ArmTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>How to run an agent: where it listens, where it keeps its files, and its limits.</summary>
public sealed record AgentOptions
{
    /// <summary>Address to listen on (TCP and UDP).</summary>
    public IPAddress Bind { get; init; } = IPAddress.Any;

    /// <summary>Port for TCP and UDP; 0 picks a free one (read it back from <c>AgentHost.Endpoint</c>).</summary>
    public int Port { get; init; } = LabPorts.Agent;

    /// <summary>Where stored files and the certificate live.</summary>
    public string DataDir { get; init; } = DefaultDataDir();

    /// <summary>How long a silent new connection waits before it becomes a text session.</summary>
    public TimeSpan SniffTimeout { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Extra names and addresses for the certificate (the public IP and DNS name on a cloud host).</summary>
    public IReadOnlyList<string> CertificateNames { get; init; } = [];

    /// <summary>The limits; see <see cref="AgentLimits"/>.</summary>
    public AgentLimits Limits { get; init; } = new();

    /// <summary>Lets an embedding program (the CLI's lab, tests) route or silence the agent's logs.</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }

    /// <summary>systemd's StateDirectory when run as a service, else the user's data directory.</summary>
    public static string DefaultDataDir()
    {
        var state = Environment.GetEnvironmentVariable("STATE_DIRECTORY");
        if (!string.IsNullOrEmpty(state))
        {
            return state.Split(':')[0];
        }

        var root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        return Path.Combine(string.IsNullOrEmpty(root) ? Path.GetTempPath() : root, "netlab-agent");
    }
}
