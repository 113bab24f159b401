using System.Net;
using System.Text;
using NetLab.Agent.Certificates;

namespace NetLab.Agent.Http;

/// <summary>The tutorial's Flask pages (/, /index, /index/{name}, /data), and what the server saw (/ip, /headers) and is (/cert).</summary>
internal static class LabPages
{
    private const string IndexPage = """
        <!doctype html>
        <html>
        <head><title>NetLabCloud</title></head>
        <body>
        <h1>Hello World</h1>
        <p>This page came from netlab-agent, the NetLabCloud lab server, just as the tutorial's Flask app serves it.</p>
        <ul>
        <li><a href="/index/Adam">/index/Adam</a>: a part of the URL as a parameter</li>
        <li><a href="/data?format=json">/data?format=json</a>, <a href="/data?format=csv">csv</a>, <a href="/data?format=xml">xml</a>: return by argument</li>
        <li><a href="/status/404">/status/404</a>: any HTTP status code, to learn them</li>
        <li><a href="/redirect">/redirect</a>: a 301 back to /</li>
        <li><a href="/headers">/headers</a> and <a href="/ip">/ip</a>: what the server saw</li>
        <li><a href="/basic-auth/user/passwd">/basic-auth/user/passwd</a>: credentials in a header (401, then 200)</li>
        </ul>
        </body>
        </html>

        """;

    /// <summary>
    /// The 16x16 PNG every browser asks for at /favicon.ico on its own (a prompt on a dark square): without it, each
    /// first visit logs a 404 in the browser's console.
    /// </summary>
    private static readonly byte[] Favicon = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAQ0lEQVR42mNgAAJ5TfP/5GAGSjTDDRl8BphcngnGFLmAFENweoFYQ/CGATGG0MYFFIUBVWIBl6HYDKePAbRNypRmZwD/25DusXAUAQAAAABJRU5ErkJggg==");

    public static void Map(LabRoutes.RouteTable routes, AgentCertificate certificate)
    {
        routes.Get("/favicon.ico", (HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "public, max-age=86400";
            return Results.Bytes(Favicon, "image/png");
        }, labUse: false);
        routes.Get("/", () => LabRoutes.Text("Hello World!\n"));
        routes.Get("/index", () => Results.Content(IndexPage, "text/html", Encoding.UTF8));
        routes.Get("/index/{name}", (string name) =>
            Results.Content($"<!doctype html>\n<h1>Hello, {WebUtility.HtmlEncode(name)}!</h1>\n", "text/html", Encoding.UTF8));
        routes.Get("/data", (string? format, HttpContext http) => LabData.Render(format, http));
        routes.Get("/ip", (HttpContext http) => Results.Json(new
        {
            origin = HttpGate.Normalize(http.Connection.RemoteIpAddress)?.ToString(),
            port = http.Connection.RemotePort,
            scheme = http.Request.Scheme,
            protocol = http.Request.Protocol,
        }));
        routes.Get("/headers", (HttpContext http) => Results.Json(new
        {
            method = http.Request.Method,
            path = http.Request.Path.Value,
            protocol = http.Request.Protocol,
            headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString()),
        }));
        routes.Get("/cert", () => LabRoutes.Text($"SHA-256 fingerprint: {certificate.Fingerprint}\n{certificate.Pem}\n"));
    }
}
