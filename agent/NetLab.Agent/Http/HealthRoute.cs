using System.Net;
using NetLab.Agent.Hosting;

namespace NetLab.Agent.Http;

/// <summary>/health: everything for the host's own checks on loopback; from anywhere else, only that the agent is up.</summary>
internal static class HealthRoute
{
    public static IResult Answer(HttpContext http, LabServices lab)
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
            uptimeSeconds = Math.Round((lab.Time.GetUtcNow() - lab.StartedAt).TotalSeconds, 1),
            idleSeconds = Math.Round(lab.Use.SinceLastUse.TotalSeconds, 1),
            students = lab.Use.Students,
            openConnections = lab.Connections.Open,
            openRemoteConnections = lab.Connections.OpenRemote,
            acceptedConnections = lab.Connections.Accepted,
            shedConnections = lab.Connections.ShedCount,
            refusedConnections = lab.Connections.Refused,
            textSessions = lab.Sessions.Count,
            egress = lab.Egress.Report(),
            udp = new { echoed = lab.Udp.Echoed, dropped = lab.Udp.Dropped },
            storedBytes = lab.Files.UsedBytes,
            storedFiles = lab.Files.FileCount,
            maxLifetimeSeconds = lab.Limits.MaxLifetime.TotalSeconds,
            fingerprint = lab.Certificate.Fingerprint,
        });
    }
}
