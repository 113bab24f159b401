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
/// so), or on the port asked for.
/// </summary>
internal sealed class LabAgent : IAsyncDisposable
{
    private LabAgent(AgentHost host, int? taken)
    {
        Host = host;
        Taken = taken;
    }

    public AgentHost Host { get; }

    public int Port => Host.Endpoint.Port;

    /// <summary>The port that was wanted but taken, when the agent fell back to a free one.</summary>
    public int? Taken { get; }

    /// <summary>Starts it: <paramref name="serve"/> null for any free port, 0 for 11211 or a free one, else exactly that port.</summary>
    public static async Task<LabAgent> StartAsync(string dataDir, int? serve, CancellationToken ct)
    {
        if (serve is null)
        {
            return new(await StartAsync(dataDir, 0, ct), taken: null);
        }

        var wanted = serve == 0 ? LabPorts.Agent : serve.Value;
        try
        {
            return new(await StartAsync(dataDir, wanted, ct), taken: null);
        }
        catch (Exception e) when (InUse(e))
        {
            if (serve != 0)
            {
                throw new PortTakenException($"--serve {wanted}: port {wanted} on 127.0.0.1 is already in use (another netlab-agent, or nc -l?); stop it, give --serve another port, or give --serve alone ({LabPorts.Agent}, else any free port)");
            }

            return new(await StartAsync(dataDir, 0, ct), taken: wanted);
        }
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();

    private static Task<AgentHost> StartAsync(string dataDir, int port, CancellationToken ct) => AgentHost.StartAsync(new AgentOptions
    {
        Bind = IPAddress.Loopback,
        Port = port,
        DataDir = dataDir,
        ConfigureLogging = logging => logging.ClearProviders(),
    }, ct);

    // UDP is bound first (a socket error), then Kestrel's TCP listener (an IOException around AddressInUseException).
    private static bool InUse(Exception e) =>
        e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } or IOException { InnerException: AddressInUseException };

    /// <summary>The port asked for with --serve is taken: a usage error, in one sentence.</summary>
    internal sealed class PortTakenException(string message) : Exception(message);
}
