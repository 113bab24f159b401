using System.Net;
using Microsoft.Extensions.Logging;
using NetLab.Agent.Hosting;

namespace NetLab.Testing;

/// <summary>A real agent on 127.0.0.1, port 0 (the real port read back), with its own data directory.</summary>
public sealed class TestAgent : IAsyncDisposable
{
    /// <summary>
    /// The sniff window of test agents: the top of the design's 250-1000 ms range, not the agent's 300 ms default.
    /// A real client (curl, openssl, wget) sends its ClientHello about 3 ms after connecting, but a client starved
    /// of CPU on a loaded machine can stay silent longer than 300 ms; it then gets the text banner and fails its
    /// handshake ("wrong version number", curl exit 35), which is the window working as designed, not what the
    /// test is about. Tests of the window itself, and of netlab's clients speaking at once, pass their own.
    /// </summary>
    public static readonly TimeSpan DefaultSniffWindow = TimeSpan.FromSeconds(1);

    private readonly bool _ownsDataDir;

    private TestAgent(AgentHost host, string dataDir, bool ownsDataDir)
    {
        Host = host;
        DataDir = dataDir;
        _ownsDataDir = ownsDataDir;
    }

    public AgentHost Host { get; }

    public string DataDir { get; }

    public int Port => Host.Endpoint.Port;

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "The address a test reaches this agent at, read as Agent.Address beside Agent.Port.")]
    public string Address => "127.0.0.1";

    public string HttpUrl => $"http://127.0.0.1:{Port}";

    public string HttpsUrl => $"https://127.0.0.1:{Port}";

    /// <summary>The web port's URL (HTTP only, for browsers), when the agent was started with one.</summary>
    public string WebUrl => Host.WebEndpoint is { } web ? $"http://127.0.0.1:{web.Port}" : throw new InvalidOperationException("this test agent has no web port (StartAsync(webPort: 0))");

    /// <summary>The folder of the files stored from 127.0.0.1 (each client address has its own), made if missing.</summary>
    public string FilesDir => Directory.CreateDirectory(Path.Combine(DataDir, "files", "127.0.0.1")).FullName;

    public static async Task<TestAgent> StartAsync(
        Func<AgentLimits, AgentLimits>? limits = null, string? dataDir = null, IPAddress? bind = null, TimeSpan? sniffTimeout = null, TimeProvider? time = null, int? webPort = null, Func<AgentOptions, AgentOptions>? configure = null)
    {
        var owns = dataDir is null;
        dataDir ??= Directory.CreateTempSubdirectory("netlab-agent-test-").FullName;
        var options = new AgentOptions
        {
            Bind = bind ?? IPAddress.Loopback,
            Port = 0,
            WebPort = webPort,
            DataDir = dataDir,
            SniffTimeout = sniffTimeout ?? DefaultSniffWindow,
            Limits = (limits ?? (l => l))(new AgentLimits()),
            ConfigureLogging = logging => logging.ClearProviders(),
            Time = time ?? TimeProvider.System,
        };
        return new TestAgent(await AgentHost.StartAsync(configure is null ? options : configure(options)), dataDir, owns);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        if (!_ownsDataDir)
        {
            return;
        }

        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a client process that is going away; the temp dir is cleaned by the OS.
        }
    }
}

/// <summary>One agent shared by the tests of a class.</summary>
public sealed class AgentFixture : IAsyncLifetime
{
    public TestAgent Agent { get; private set; } = null!;

    public async Task InitializeAsync() => Agent = await TestAgent.StartAsync();

    public async Task DisposeAsync() => await Agent.DisposeAsync();
}
