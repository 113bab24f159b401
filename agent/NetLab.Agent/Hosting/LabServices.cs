using System.Reflection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NetLab.Agent.Certificates;
using NetLab.Agent.Connections;
using NetLab.Agent.Storage;
using NetLab.Agent.Text;

namespace NetLab.Agent.Hosting;

/// <summary>What every connection handler of one agent shares.</summary>
public sealed class LabServices(
    AgentOptions options,
    AgentCertificate certificate,
    FileStore files,
    ConnectionCounter connections,
    TransferArming arming,
    ChatRooms rooms,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggers)
{
    /// <summary>The agent's version, as the banner and /health show it.</summary>
    public static string Version { get; } =
        typeof(LabServices).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static string HostName { get; } = Environment.MachineName;

    public AgentOptions Options => options;
    public AgentLimits Limits => options.Limits;
    public AgentCertificate Certificate => certificate;
    public FileStore Files => files;
    public ConnectionCounter Connections => connections;
    public TransferArming Arming => arming;
    public ChatRooms Rooms => rooms;
    public TimeProvider Time => time;
    public DateTimeOffset StartedAt { get; } = time.GetUtcNow();

    /// <summary>
    /// Seconds since a lab connection from another machine was last open (or since start, when there was
    /// none): what the host's idle time-to-live goes by.
    /// </summary>
    public double IdleSeconds()
    {
        if (connections.OpenRemote > 0)
        {
            return 0;
        }

        var last = connections.LastRemoteActivityTicks;
        var since = last == 0 ? time.GetUtcNow() - StartedAt : TimeSpan.FromMilliseconds(Environment.TickCount64 - last);
        return Math.Round(since.TotalSeconds, 1);
    }

    /// <summary>Cancelled when the agent starts to stop: idle sessions say goodbye and close.</summary>
    public CancellationToken Stopping => lifetime.ApplicationStopping;

    public ILogger Logger { get; } = loggers.CreateLogger("NetLab.Agent");
}
