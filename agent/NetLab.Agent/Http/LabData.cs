using System.Text;
using System.Xml.Linq;

namespace NetLab.Agent.Http;

/// <summary>The tutorial's <c>/data?format=</c> example: one small data set, three formats.</summary>
internal static class LabData
{
    public static readonly string[] Formats = ["json", "csv", "xml"];

    private static readonly (string Port, string Protocol, string Service)[] Rows =
    [
        ("22", "tcp", "ssh"),
        ("25", "tcp", "smtp"),
        ("80", "tcp", "http"),
        ("110", "tcp", "pop3"),
        ("443", "tcp", "https"),
        ("11211", "tcp+udp", "netlab-agent"),
    ];

    /// <summary>
    /// The data in <paramref name="format"/>. CSV is <c>text/csv</c>, except to a browser navigating to it (it asks for
    /// text/html first), which would save text/csv as a file instead of showing it: it gets the same bytes as text/plain
    /// (and <c>Vary: Accept</c> says the type depends on what was asked for).
    /// </summary>
    public static IResult Render(string? format, HttpContext http)
    {
        var csv = "text/csv";
        if (format?.Equals("csv", StringComparison.OrdinalIgnoreCase) == true)
        {
            http.Response.Headers.Vary = "Accept";
            if (http.Request.Headers.Accept.ToString().StartsWith("text/html", StringComparison.Ordinal))
            {
                csv = "text/plain";
            }
        }

        return Render(format, csv);
    }

    private static IResult Render(string? format, string csvType) => (format ?? "json").ToLowerInvariant() switch
    {
        "json" => Results.Json(Rows.Select(r => new { port = int.Parse(r.Port), protocol = r.Protocol, service = r.Service })),
        "csv" => Results.Text("port,protocol,service\n" + string.Concat(Rows.Select(r => $"{r.Port},{r.Protocol},{r.Service}\n")), csvType, Encoding.UTF8),
        "xml" => Results.Text(
            new XDocument(new XElement("ports", Rows.Select(r => new XElement("port",
                new XAttribute("number", r.Port), new XAttribute("protocol", r.Protocol), new XAttribute("service", r.Service))))).ToString() + "\n",
            "application/xml", Encoding.UTF8),
        _ => Results.Text($"400 Bad Request: unknown format '{format}'. Valid formats: {string.Join(", ", Formats)} (e.g. /data?format=csv)\n", "text/plain", Encoding.UTF8, 400),
    };
}
