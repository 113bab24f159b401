using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Reflection;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NetLab.Agent.Capture;
using NetLab.Agent.Certificates;
using NetLab.Agent.Http;
using NetLab.Agent.Memory;
using NetLab.Agent.Pipeline;
using NetLab.Agent.Udp;

namespace NetLab.Agent.Hosting;

/// <summary>
/// A running agent: one TCP listener and one UDP socket on the same port. Used by <c>netlab-agent</c>,
/// by <c>netlab lab</c> (in-process, on loopback) and by the tests.
/// </summary>
public sealed class AgentHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AgentHost(WebApplication app, LabServices lab, IPEndPoint endpoint, IPEndPoint? webEndpoint)
    {
        _app = app;
        Lab = lab;
        Endpoint = endpoint;
        WebEndpoint = webEndpoint;
    }

    /// <summary>Where the agent listens (TCP and UDP), with the real port when 0 was asked for.</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>Where the web port listens (<see cref="AgentOptions.WebPort"/>: HTTP only, for browsers), with its real port; null when off.</summary>
    public IPEndPoint? WebEndpoint { get; }

    /// <summary>The certificate's SHA-256 fingerprint (colon-separated hex).</summary>
    public string Fingerprint => Lab.Certificate.Fingerprint;

    /// <summary>The agent's version, as the banner, the ready output and /health show it.</summary>
    public static string Version { get; } =
        typeof(AgentHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    internal LabServices Lab { get; }

    /// <summary>The agent's services (for tests: which pools and factories Kestrel was given).</summary>
    internal IServiceProvider Services => _app.Services;

    /// <summary>Starts an agent and returns once it accepts connections.</summary>
    public static async Task<AgentHost> StartAsync(AgentOptions options, CancellationToken cancellationToken = default)
    {
        // Loading the certificate (PKCS#12, OpenSSL's first use: about 50 ms, a fifth of the start) runs beside
        // building the host, which needs it only at the end.
        var certificate = Task.Run(() => AgentCertificate.LoadOrCreate(options.DataDir, options.CertificateNames), cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            // UDP first: with port 0 it picks the port, and TCP takes the same number.
            var udp = new Socket(options.Bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            if (options.Bind.AddressFamily == AddressFamily.InterNetworkV6)
            {
                udp.DualMode = true;
            }

            try
            {
                udp.Bind(new IPEndPoint(options.Bind, options.Port));
            }
            catch
            {
                udp.Dispose();
                throw;
            }

            var endpoint = new IPEndPoint(options.Bind, ((IPEndPoint)udp.LocalEndPoint!).Port);
            Composed agent;
            try
            {
                agent = await ComposeAsync(options, certificate, udp, endpoint);
            }
            catch
            {
                udp.Dispose();
                throw;
            }

            try
            {
                await agent.App.StartAsync(cancellationToken);
                agent.Http.EnsureBound();
            }
            catch (IOException e) when (options.WebPort is > 0 && e.InnerException is AddressInUseException && IsTaken(new IPEndPoint(options.Bind, options.WebPort.Value)))
            {
                await agent.DisposeAsync();
                throw new WebPortTakenException(options.WebPort.Value, e);
            }
            catch (IOException) when (options.Port == 0 && attempt < 20)
            {
                await agent.DisposeAsync(); // that TCP port was taken; pick another pair
                continue;
            }
            catch
            {
                await agent.DisposeAsync();
                throw;
            }

            // Kestrel writes the port it bound back into the listen options (port 0: the free one it got): capture
            // filters the ports as bound, TCP's and UDP's each.
            StartCapture(options, agent.Lab, agent.LabPort.IPEndPoint!.Port, endpoint.Port);
            return new AgentHost(agent.App, agent.Lab, endpoint, agent.Web?.IPEndPoint);
        }
    }

    /// <summary>Completes when the agent was asked to stop (SIGTERM, Ctrl+C, systemd) and has stopped.</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    /// <summary>Stops listening and ends every session (they are told the agent is shutting down).</summary>
    public Task StopAsync() => _app.StopAsync();

    /// <summary>Stops the agent, if it still runs, and releases its sockets and files.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Lab.Dispose();
    }

    /// <summary>Starts recording the lab port's packets, or says once why not.</summary>
    private static void StartCapture(AgentOptions options, LabServices lab, int tcpPort, int udpPort)
    {
        if (lab.Capture.Start(options.Capture, tcpPort, udpPort) is { } off)
        {
            Log.CaptureOff(lab.Logger, off);
            return;
        }

        Log.CaptureOn(lab.Logger, tcpPort, udpPort, ByteSize.Format(lab.Limits.CaptureBytesPerAddress), ByteSize.Format(lab.Limits.CaptureBytes), Durations.Format(lab.Limits.CaptureLifetime));
    }

    /// <summary>Whether a TCP listener on <paramref name="endpoint"/> fails for its address being in use (which of two ports Kestrel could not bind).</summary>
    private static bool IsTaken(IPEndPoint endpoint)
    {
        using var probe = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Bind(endpoint);
            probe.Listen();
            return false;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return true;
        }
    }

    /// <summary>
    /// The one place the agent is put together: the host, the shared parts (<see cref="LabServices"/>), the lab
    /// port's chain in its order, the web port's, the routes, and the UDP echo. Each link is handed what it uses.
    /// </summary>
    private static async Task<Composed> ComposeAsync(AgentOptions options, Task<AgentCertificate> loading, Socket udp, IPEndPoint endpoint)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            // The agent has no appsettings.json to reload: without this, the host watches its whole folder for
            // changes (a FileSystemWatcher thread and a directory walk at every start).
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.UseSystemdWhenThere();
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        // What clients make Kestrel see (resets, bad requests, failed handshakes) is the agent's to log, once,
        // in one line (Internet/ClientLog.cs); Kestrel's own lines for it carry stack traces.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Critical);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Diagnostics", LogLevel.Critical);
        // A start that fails (the port is taken) is said once, in a sentence, by netlab-agent itself (AgentCommand.Explain),
        // not as the host's "Hosting failed to start" with Kestrel's stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        options.ConfigureLogging?.Invoke(builder.Logging);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));

        // Kestrel's pools start with 1 MiB blocks: bulk transfers receive in 1 MiB reads, not 4 KiB ones.
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>, AgentMemoryPoolFactory>();

        // The hosted services are created by StartAsync, after `lab` below is made: the certificate (loaded beside
        // building the host) and the host's logger and stopping token come first.
        LabServices lab = null!;
        builder.Services.AddHostedService(_ => new UdpEchoService(udp, lab.Udp, lab.Egress, lab.Use, lab.ClientLog));
        builder.Services.AddHostedService(_ => new LifetimeWarnings(lab.Limits, lab.Sessions, lab.Time, lab.Logger, lab.StartedAt - (options.HostUptime ?? HostUptime.Now)));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null; // the FileStore's quotas apply instead
        });

        var app = builder.Build();
        try
        {
            var certificate = await loading;
            lab = new LabServices(
                options,
                endpoint,
                certificate,
                options.Time,
                app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("NetLab.Agent"),
                app.Lifetime.ApplicationStopping);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        // The listeners, added to Kestrel's options before it starts (it binds what they list at StartAsync).
        var kestrel = app.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value;
        var http = new HttpEntry();
        var windows = new SniffWindows(options.SniffTimeout, options.BrowserSniffTimeout);
        ListenOptions labPort = null!;
        kestrel.Listen(endpoint, listen =>
        {
            labPort = listen;
            // The lab port, in order: limits; sniff (transfers, TLS, HTTP, text); TLS; sniff again inside it; HTTP.
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.UseLabLimits(lab.Connections, lab.Egress, lab.ClientLog, lab.Time, lab.Stopping)
                .UseLabSniffing(http, windows, lab.Browsers, lab.Transfers, lab.Listens, lab.Text, insideTls: false)
                .UseSmallBlocksForTls()
                .UseHttps(new TlsHandshakeCallbackOptions
                {
                    OnConnection = async _ => new SslServerAuthenticationOptions
                    {
                        ServerCertificateContext = await lab.Certificate.ServerContext,
                        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                    },
                })
                .UseLabSniffing(http, windows, lab.Browsers, lab.Transfers, lab.Listens, lab.Text, insideTls: true)
                .UseHttpEntry(http);
        });

        ListenOptions? web = null;
        if (options.WebPort is { } webPort)
        {
            // The browsers' port: HTTP straight to Kestrel, no sniffing, so a silent connection is never given
            // the banner; the same limits, egress metering and routes as the lab port.
            kestrel.Listen(new IPEndPoint(options.Bind, webPort), listen =>
            {
                web = listen;
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseLabLimits(lab.Connections, lab.Egress, lab.ClientLog, lab.Time, lab.Stopping)
                    .UseLabHttp();
            });
        }

        var certificatePath = Path.Combine(options.DataDir, AgentCertificate.FileName);
        if (lab.Certificate.Origin == CertificateOrigin.Created)
        {
            Log.CertificateCreated(lab.Logger, certificatePath);
        }
        else if (lab.Certificate.Origin == CertificateOrigin.Reissued)
        {
            Log.CertificateReissued(lab.Logger, certificatePath, string.Join(", ", lab.Certificate.Names));
        }

        var health = new HealthRoute(lab.StartedAt, lab.Time, lab.Limits, lab.Use, lab.Connections, lab.Sessions, lab.Egress, lab.Udp, lab.Files, lab.Certificate, lab.Capture);
        LabRoutes.Map(app, lab.ClientLog, new HttpGate(lab.Port, lab.Browsers, lab.Use, lab.ClientLog), routes =>
        {
            LabPages.Map(routes, lab.Certificate);
            LessonRoutes.Map(routes, lab.Limits, lab.Time);
            FileRoutes.Map(routes, lab.Files, lab.Time);
            CaptureRoutes.Map(routes, lab.Capture);
            routes.Get("/health", health.Answer, labUse: false);
        });
        return new Composed(app, lab, http, labPort, web);
    }

    /// <summary>An agent put together, not yet started.</summary>
    private sealed class Composed(WebApplication app, LabServices lab, HttpEntry http, ListenOptions labPort, ListenOptions? web) : IAsyncDisposable
    {
        public WebApplication App => app;

        public LabServices Lab => lab;

        public HttpEntry Http => http;

        /// <summary>The lab port's listen options; once Kestrel has bound them, its real TCP port.</summary>
        public ListenOptions LabPort => labPort;

        /// <summary>The web port's listen options (null when off); once Kestrel has bound them, its real port.</summary>
        public ListenOptions? Web => web;

        public async ValueTask DisposeAsync()
        {
            await app.DisposeAsync();
            lab.Dispose();
        }
    }
}

/// <summary>The web port asked for (<c>--web-port</c>) is in use: said in one sentence by whoever started the agent.</summary>
public sealed class WebPortTakenException(int port, Exception inner)
    : IOException($"port {port} is already in use", inner)
{
    /// <summary>The port that was taken.</summary>
    public int Port { get; } = port;
}
