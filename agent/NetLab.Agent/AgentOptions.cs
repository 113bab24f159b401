using System.Net;
using Microsoft.Extensions.Logging;

namespace NetLab.Agent;

/// <summary>How to run an agent: where it listens, where it keeps its files, and its limits.</summary>
public sealed record AgentOptions
{
    /// <summary>Address to listen on (TCP and UDP).</summary>
    public IPAddress Bind { get; init; } = IPAddress.Any;

    /// <summary>Port for TCP and UDP; 0 picks a free one (read it back from <c>AgentHost.Endpoint</c>).</summary>
    public int Port { get; init; } = LabPorts.Agent;

    /// <summary>
    /// A second TCP port with the lab's HTTP routes and nothing else (<c>--web-port</c>; the tutorial's Flask port is
    /// 5000): a URL for browsers, where the client speaks first. On the lab port the server speaks first to a silent
    /// connection (the text banner), and browsers open silent connections of their own (preconnect, backup and spare
    /// sockets). Null (the default): off; 0: any free port (read it back from <c>AgentHost.WebEndpoint</c>).
    /// </summary>
    public int? WebPort { get; init; }

    /// <summary>Where stored files and the certificate live.</summary>
    public string DataDir { get; init; } = DefaultDataDir();

    /// <summary>How long a silent new connection waits before it becomes a text session.</summary>
    public TimeSpan SniffTimeout { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// How long a silent new connection waits before the text banner when a browser at its address spoke plain HTTP on
    /// the lab port within <see cref="BrowserMemory"/>: longer than a browser keeps an unused connection (Chromium 156:
    /// 110 s), so its preconnected sockets are never given the banner. Zero turns it off.
    /// </summary>
    public TimeSpan BrowserSniffTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>How long after an address's last browser request on the lab port its silent connections get <see cref="BrowserSniffTimeout"/>.</summary>
    public TimeSpan BrowserMemory { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Extra names and addresses for the certificate (the public IP and DNS name on a cloud host).</summary>
    public IReadOnlyList<string> CertificateNames { get; init; } = [];

    /// <summary>
    /// Networks whose addresses get class-sized limits (<c>--trusted</c>): the security group's CIDR, where a class
    /// may share one NAT address. Empty (the default, and an open deployment's): only loopback is trusted.
    /// </summary>
    public IReadOnlyList<IPNetwork> Trusted { get; init; } = [];

    /// <summary>
    /// Whether the agent records its lab port's packets (<c>--capture</c>): <see cref="Capture.CaptureMode.Auto"/> (the
    /// default) when it may (CAP_NET_RAW on Linux), saying why not otherwise; <see cref="Capture.CaptureMode.Off"/> never.
    /// </summary>
    public Capture.CaptureMode Capture { get; init; } = NetLab.Agent.Capture.CaptureMode.Auto;

    /// <summary>The limits; see <see cref="AgentLimits"/>.</summary>
    public AgentLimits Limits { get; init; } = new();

    /// <summary>Lets an embedding program (the CLI's lab, tests) route or silence the agent's logs.</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }

    /// <summary>The agent's clock: lab use, budgets, timeouts, file expiry (tests pass a fake one).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>How long the host has been up when the agent starts (tests pretend; by default, since boot).</summary>
    internal TimeSpan? HostUptime { get; init; }

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
