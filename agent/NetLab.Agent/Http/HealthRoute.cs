using System.Net;
using NetLab.Agent.Capture;
using NetLab.Agent.Certificates;
using NetLab.Agent.Connections;
using NetLab.Agent.Hosting;
using NetLab.Agent.Internet;
using NetLab.Agent.Storage;
using NetLab.Agent.Text;
using NetLab.Agent.Udp;

namespace NetLab.Agent.Http;

/// <summary>/health: everything for the host's own checks on loopback; from anywhere else, only that the agent is up.</summary>
/// <param name="startedAt">When the agent started (its uptime counts from here).</param>
/// <param name="time">The agent's clock.</param>
/// <param name="limits">The agent's limits (its longest life).</param>
/// <param name="use">Lab use: how long the host has been idle, and how many students it has seen.</param>
/// <param name="connections">The connection table's counts.</param>
/// <param name="sessions">The open text sessions.</param>
/// <param name="egress">The egress budget's report.</param>
/// <param name="udp">The UDP echo's counts.</param>
/// <param name="files">The file store's totals.</param>
/// <param name="certificate">The certificate whose fingerprint a client pins.</param>
/// <param name="capture">The capture: on or off, and what its buffers hold.</param>
internal sealed class HealthRoute(
    DateTimeOffset startedAt,
    TimeProvider time,
    AgentLimits limits,
    LabUse use,
    ConnectionTable connections,
    TextSessions sessions,
    EgressBudget egress,
    UdpLimiter udp,
    FileStore files,
    AgentCertificate certificate,
    WireCapture capture)
{
    public IResult Answer(HttpContext http)
    {
        if (!IPAddress.IsLoopback(HttpGate.Owner(http)))
        {
            return Results.Json(new { status = "ok" });
        }

        return Results.Json(new
        {
            status = "ok",
            version = LabServices.Version,
            host = LabServices.HostName,
            uptimeSeconds = Math.Round((time.GetUtcNow() - startedAt).TotalSeconds, 1),
            idleSeconds = Math.Round(use.SinceLastUse.TotalSeconds, 1),
            students = use.Students,
            openConnections = connections.Open,
            openRemoteConnections = connections.OpenRemote,
            acceptedConnections = connections.Accepted,
            shedConnections = connections.ShedCount,
            refusedConnections = connections.Refused,
            textSessions = sessions.Count,
            egress = egress.Report(),
            udp = new { echoed = udp.Echoed, dropped = udp.Dropped },
            storedBytes = files.UsedBytes,
            storedFiles = files.FileCount,
            maxLifetimeSeconds = limits.MaxLifetime.TotalSeconds,
            fingerprint = certificate.Fingerprint,
            capture = new { on = capture.Off is null, off = capture.Off, bytesHeld = capture.Store.BytesHeld, addresses = capture.Store.Addresses, packets = capture.Store.Packets, dropped = capture.Dropped },
        });
    }
}
