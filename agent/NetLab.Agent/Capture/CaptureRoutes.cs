using System.Globalization;
using NetLab.Agent.Http;
using NetLab.Wire;

namespace NetLab.Agent.Capture;

/// <summary>
/// <c>GET /capture</c>: the asking address's own packets of the last <see cref="AgentLimits.CaptureLifetime"/> as
/// pcapng, never another address's. <c>?since=K</c>: only those after sequence number K (the
/// <see cref="NextHeader"/> of the previous answer; <c>?since=now</c>: none, only the number to count from); <c>?port=N</c>: one connection, by the client's port as the agent
/// saw it. The connections that fetched /capture are left out of later answers, unless asked for by port. Capture
/// off: 503 with the sentence that says why and <see cref="StateHeader"/> <c>off</c> (an older agent's 404 means it
/// has no capture at all).
/// </summary>
internal static class CaptureRoutes
{
    /// <summary>The sequence number of the last packet in the answer (or the <c>since</c> asked, when none): the next fetch's <c>since</c>.</summary>
    public const string NextHeader = "X-Netlab-Capture-Next";

    /// <summary>Says <c>off</c> on the 503 of an agent that cannot capture.</summary>
    public const string StateHeader = "X-Netlab-Capture";

    public static void Map(LabRoutes.RouteTable routes, WireCapture capture) =>
        routes.Get("/capture", (HttpContext http) => Answer(capture, http));

    private static IResult Answer(WireCapture capture, HttpContext http)
    {
        if (capture.Off is { } off)
        {
            http.Response.Headers[StateHeader] = "off";
            return LabRoutes.Text($"{off}\n", 503);
        }

        var query = http.Request.Query;
        var owner = HttpGate.Owner(http);
        capture.Store.RememberFetcher(owner, http.Connection.RemotePort); // this fetch is not a lab connection to show
        long since = 0;
        if (query.TryGetValue("since", out var sinceText) && sinceText == "now")
        {
            // No packets, only where the next fetch counts from: a run's start (netlab fetches this first).
            http.Response.Headers[NextHeader] = capture.Now().ToString(CultureInfo.InvariantCulture);
            return Results.Bytes(Pcapng.ToBytes([], "netlab-agent"), Pcapng.ContentType);
        }

        if (sinceText.Count > 0 && !long.TryParse(sinceText.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out since))
        {
            return LabRoutes.Text($"400 Bad Request: since='{sinceText}' is not a sequence number; give 0, now, or the {NextHeader} of the last answer\n", 400);
        }

        int? port = null;
        if (query.TryGetValue("port", out var portText))
        {
            if (!int.TryParse(portText.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 65535)
            {
                return LabRoutes.Text($"400 Bad Request: port='{portText}' is not a port; give your side's port of one connection, 1-65535\n", 400);
            }

            port = n;
        }

        var packets = capture.Read(owner, since, port);
        http.Response.Headers[NextHeader] = (packets.Count > 0 ? packets[^1].Sequence : since).ToString(CultureInfo.InvariantCulture);
        return Results.Bytes(Pcapng.ToBytes(packets.Select(p => p.Packet), "netlab-agent"), Pcapng.ContentType);
    }
}
