using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using NetLab.Agent;
using NetLab.Agent.Hosting;

namespace NetLab.Cli.Lab;

/// <summary>
/// <c>netlab lab</c>'s own agent on 127.0.0.1: on a free port for a run that ends with its report; with --serve on
/// the tutorial's 11211, so the try-by-hand commands are the tutorial's own (a free port when 11211 is taken, said
/// so), or on the port asked for; and then with the web port for browsers, the tutorial's Flask port 5000.
/// </summary>
internal sealed class LabAgent : IAsyncDisposable
{
    private LabAgent(AgentHost host, int? taken, int? webTaken = null)
    {
        Host = host;
        Taken = taken;
        WebTaken = webTaken;
    }

    public AgentHost Host { get; }

    public int Port => Host.Endpoint.Port;

    /// <summary>The port that was wanted but taken, when the agent fell back to a free one.</summary>
    public int? Taken { get; }

    /// <summary>The web port (HTTP only, for browsers), when serving; null otherwise.</summary>
    public int? WebPort => Host.WebEndpoint?.Port;

    /// <summary>The web port that was wanted (5000) but taken, when it fell back to a free one.</summary>
    public int? WebTaken { get; }

    /// <summary>The tutorial's Flask port: <c>python flaskpage.py</c> serves at http://127.0.0.1:5000.</summary>
    public const int FlaskPort = 5000;

    /// <summary>
    /// Starts it: <paramref name="serve"/> null for any free port, 0 for 11211 or a free one, else exactly that port.
    /// Serving, it also opens the web port for browsers: <paramref name="webPort"/>, else 5000 or a free one if that is taken.
    /// </summary>
    public static async Task<LabAgent> StartAsync(string dataDir, int? serve, CancellationToken ct, int? webPort = null)
    {
        if (serve is null)
        {
            return new(await StartAsync(dataDir, 0, null, ct), taken: null);
        }

        var wanted = serve == 0 ? LabPorts.Agent : serve.Value;
        var web = webPort ?? FlaskPort;
        int? taken = null, webTaken = null;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new(await StartAsync(dataDir, taken is null ? wanted : 0, webTaken is null ? web : 0, ct), taken, webTaken);
            }
            catch (WebPortTakenException) when (webTaken is null)
            {
                if (webPort is not null)
                {
                    throw new PortTakenException($"--web-port {web}: port {web} on 127.0.0.1 is already in use (a Flask app? another netlab lab --serve?); stop it or give --web-port another port");
                }

                webTaken = web;
            }
            catch (Exception e) when (InUse(e) && taken is null && attempt < 2)
            {
                if (serve != 0)
                {
                    throw new PortTakenException($"--serve {wanted}: port {wanted} on 127.0.0.1 is already in use (another netlab-agent, or nc -l?); stop it, give --serve another port, or give --serve alone ({LabPorts.Agent}, else any free port)");
                }

                taken = wanted;
            }
        }
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();

    private static Task<AgentHost> StartAsync(string dataDir, int port, int? webPort, CancellationToken ct) => AgentHost.StartAsync(new AgentOptions
    {
        Bind = IPAddress.Loopback,
        Port = port,
        WebPort = webPort,
        DataDir = dataDir,
        ConfigureLogging = logging => logging.ClearProviders(),
    }, ct);

    // UDP is bound first (a socket error), then Kestrel's TCP listener (an IOException around AddressInUseException).
    private static bool InUse(Exception e) =>
        e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } or IOException { InnerException: AddressInUseException };

    /// <summary>The port asked for with --serve is taken: a usage error, in one sentence.</summary>
    internal sealed class PortTakenException(string message) : Exception(message);
}
