using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using NetLab.Agent.Sniffing;

namespace NetLab.Agent.Http;

/// <summary>
/// The status-code lesson, complete: every 4xx and 5xx the agent itself produces has a short plain-text body that
/// says what it means and what to do, whether the route wrote it (413, 429, 507 and the others with their own
/// text), routing gave it (405), a file result (416), or Kestrel (400, 408, 414, 431: see KestrelErrorBodies).
/// </summary>
internal static class ErrorBodies
{
    /// <summary>A body for an error response that has none (it has not started).</summary>
    public static Task WriteAsync(HttpContext http)
    {
        var text = Explain(http.Response.StatusCode, http);
        if (text is null)
        {
            return Task.CompletedTask;
        }

        http.Response.ContentType = "text/plain; charset=utf-8";
        http.Response.ContentLength = Encoding.UTF8.GetByteCount(text);
        return http.Response.WriteAsync(text);
    }

    private static string? Explain(int code, HttpContext http)
    {
        var path = http.Request.Path;
        return code switch
        {
            400 => "400 Bad Request: the agent could not make sense of this request.\n",
            404 => $"404 Not Found: nothing at {path}. {HttpGate.NotFoundHint}\n",
            405 => $"405 Method Not Allowed: {path} answers {http.Response.Headers.Allow}, not {http.Request.Method}. Try: curl -i -X {FirstAllowed(http)} {Url(http)}\n",
            416 => $"416 Range Not Satisfiable: the range asked for ({http.Request.Headers.Range}) is not inside the file ({http.Response.Headers.ContentRange}); ask for bytes inside it, e.g. curl -r 0-99 {Url(http)}\n",
            >= 400 and < 600 => $"{code} {ReasonPhrases.GetReasonPhrase(code)}\n",
            _ => null,
        };
    }

    /// <summary>The body of an error Kestrel answers itself, before any route sees the request.</summary>
    /// <param name="code">400, 408, 414 or 431.</param>
    /// <param name="requestLine">The first line of the request it refused, if one was seen.</param>
    /// <param name="hadHost">Whether that request had a Host header.</param>
    public static string Kestrel(int code, string? requestLine, bool hadHost) => code switch
    {
        400 when requestLine is not null && Sniffing.Sniffer.ClassifyRequestLine(Encoding.ASCII.GetBytes(requestLine)) == Sniffing.SniffVerdict.Http && !hadHost =>
            "400 Bad Request: an HTTP/1.1 request needs a Host header. Type the request line, then Host: and the server's name (Host: x will do here), then a blank line.\n",
        400 when requestLine is not null =>
            $"400 Bad Request: \"{Shorten(requestLine)}\" is not an HTTP request (METHOD /path HTTP/1.1). Once HTTP has answered, this connection speaks HTTP only: q and the / commands work in a new connection.\n",
        400 => "400 Bad Request: this is not an HTTP request the agent can read (METHOD /path HTTP/1.1, headers, a blank line).\n",
        408 => "408 Request Timeout: the request's headers did not all arrive in time; send them at once (curl does), or type faster.\n",
        414 => "414 URI Too Long: the request line is over the server's limit of 8 KB; ask for a shorter path.\n",
        431 => "431 Request Header Fields Too Large: the request's headers are over the server's limit of 32 KB.\n",
        _ => $"{code} {ReasonPhrases.GetReasonPhrase(code)}\n",
    };

    private static string FirstAllowed(HttpContext http) => http.Response.Headers.Allow.ToString().Split(',')[0].Trim();

    private static string Url(HttpContext http) => $"{http.Request.Scheme}://{http.Request.Host}{http.Request.Path}";

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "…";
}
