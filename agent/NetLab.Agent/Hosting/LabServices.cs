using System.Net;
using Microsoft.Extensions.Logging;
using NetLab.Agent.Capture;
using NetLab.Agent.Certificates;
using NetLab.Agent.Connections;
using NetLab.Agent.Internet;
using NetLab.Agent.Listening;
using NetLab.Agent.Storage;
using NetLab.Agent.Text;
using NetLab.Agent.Transfers;
using NetLab.Agent.Udp;

namespace NetLab.Agent.Hosting;

/// <summary>
/// The parts of one agent, built once from plain parts (none needs a host: a test builds its own). Only the
/// composition (<see cref="AgentHost"/>) sees it whole: it hands each middleware, route group, session and the UDP
/// echo the few parts it uses.
/// </summary>
internal sealed class LabServices : IDisposable
{
    public LabServices(AgentOptions options, IPEndPoint endpoint, AgentCertificate certificate, TimeProvider time, ILogger logger, CancellationToken stopping)
    {
        Options = options;
        Endpoint = endpoint;
        Certificate = certificate;
        Time = time;
        Logger = logger;
        Stopping = stopping;
        StartedAt = time.GetUtcNow();
        Sources = new TrustedSources(options.Trusted, Limits);
        Files = new FileStore(options.DataDir, Limits, time, Sources);
        Connections = new ConnectionTable(Limits, Sources);
        Arming = new TransferArming(time, Limits.ArmTimeout, endpoint.Port, Sources);
        Use = new LabUse(time);
        Egress = new EgressBudget(Limits, time, Sources);
        ClientLog = new ClientLog(logger, time, Limits.ClientLogLinesPerMinute);
        Transfers = new ArmedTransfers(Arming, Files, Use, Limits, time, ClientLog);
        Udp = new UdpLimiter(Limits, time, Sources);
        Browsers = new BrowserMemory(options.BrowserMemory, time);
        Listens = new ListenBridges(Limits, Use, time);
        Capture = new WireCapture(new CaptureStore(Limits, time));
        Text = new TextServices(endpoint.Port, Limits, Files, new ChatRooms(), Arming, Listens, Use, Sessions, Capture, time, logger, stopping);
    }

    public AgentOptions Options { get; }

    public AgentLimits Limits => Options.Limits;

    /// <summary>Where the agent listens; its port is the one every hint names.</summary>
    public IPEndPoint Endpoint { get; }

    public int Port => Endpoint.Port;

    public AgentCertificate Certificate { get; }

    /// <summary>Who gets class-sized limits (<c>--trusted</c>) and who the stranger ones.</summary>
    public TrustedSources Sources { get; }

    public FileStore Files { get; }

    public ConnectionTable Connections { get; }

    public TransferArming Arming { get; }

    public ArmedTransfers Transfers { get; }

    /// <summary>Terminals on the host waiting, with <c>netlab-agent listen</c>, for one connection from an address.</summary>
    public ListenBridges Listens { get; }

    public LabUse Use { get; }

    public EgressBudget Egress { get; }

    public UdpLimiter Udp { get; }

    /// <summary>Addresses whose browser spoke HTTP on the lab port moments ago: their silent connections wait longer for the banner.</summary>
    public BrowserMemory Browsers { get; }

    public TextSessions Sessions { get; } = new();

    public TextServices Text { get; }

    /// <summary>The lab port's packets, when the agent may record them (started once Kestrel has bound the port).</summary>
    public WireCapture Capture { get; }

    public ClientLog ClientLog { get; }

    public TimeProvider Time { get; }

    public DateTimeOffset StartedAt { get; }

    /// <summary>Cancelled when the agent starts to stop: idle sessions say goodbye and close.</summary>
    public CancellationToken Stopping { get; }

    public ILogger Logger { get; }

    public static string HostName { get; } = Environment.MachineName;

    /// <summary>The agent's version, as the banner and /health show it.</summary>
    public static string Version => AgentHost.Version;

    public void Dispose()
    {
        Capture.Dispose();
        Files.Dispose();
    }
}
