using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using NetLab.Agent.Connections;
using NetLab.Agent.Hosting;
using NetLab.Agent.Text;

namespace NetLab.Agent.Http;

/// <summary>
/// The HTTP lessons: any status code (/status/{code}), a redirect, n bytes (/bytes/{n}), a slow answer
/// (/delay/{s}, for client timeouts), and credentials in a header (/basic-auth/{user}/{pass}).
/// </summary>
internal static class LessonRoutes
{
    /// <summary>The longest /delay: enough to see a client time out, not enough to hold connections for long.</summary>
    public const int MaxDelaySeconds = 10;

    public static void Map(LabRoutes.RouteTable routes, AgentLimits limits, TimeProvider time)
    {
        routes.Map("/status/{code}", ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"], (string code) => Status(code));
        routes.Get("/redirect", (HttpContext http) =>
        {
            http.Response.ContentLength = 0; // HEAD gets the same headers as GET
            return Results.Redirect("/", permanent: true);
        });
        routes.Get("/bytes/{n}", (string n, HttpContext http) => Bytes(n, http, limits, time));
        routes.Get("/delay/{seconds}", (string seconds, HttpContext http) => DelayAsync(seconds, http, time));
        routes.Get("/basic-auth/{user}/{password}", (string user, string password, HttpContext http) => BasicAuth(user, password, http));
    }

    private static IResult Status(string text)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var code) || code is < 100 or > 599)
        {
            return LabRoutes.Text($"400 Bad Request: '{text}' is not an HTTP status code; use 100-599 (e.g. /status/418)\n", 400);
        }

        var reason = ReasonPhrases.GetReasonPhrase(code);
        if (code is >= 100 and < 200)
        {
            // An informational status cannot end an exchange (RFC 9110 §15.2): a client would wait for
            // the final response forever. Show it, then end with 200.
            return LabRoutes.Text($"{code} {reason} is informational: a server sends it before the final response, never instead of it.\n");
        }

        return new StatusResult(code, reason);
    }

    private static IResult Bytes(string text, HttpContext http, AgentLimits limits, TimeProvider time)
    {
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > limits.MaxGeneratedBytes)
        {
            return LabRoutes.Text($"400 Bad Request: /bytes/{{n}} takes 0 to {limits.MaxGeneratedBytes} bytes ({ByteSize.Format(limits.MaxGeneratedBytes)})\n", 400);
        }

        return HttpGate.Reserve(http, limits, n) ?? new BytesResult(n, limits.StallTimeout, time);
    }

    private static async Task<IResult> DelayAsync(string text, HttpContext http, TimeProvider time)
    {
        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) || seconds is < 0 or > MaxDelaySeconds)
        {
            return LabRoutes.Text($"400 Bad Request: /delay/{{s}} waits 0 to {MaxDelaySeconds} seconds (e.g. /delay/2, /delay/0.5)\n", 400);
        }

        await Task.Delay(TimeSpan.FromSeconds(seconds), time, http.RequestAborted);
        return LabRoutes.Text(string.Create(CultureInfo.InvariantCulture, $"answered after {seconds} s, as asked; a client that gives up sooner (curl -m 1) times out\n"));
    }

    /// <summary>HTTP Basic authentication (RFC 7617): the credentials ride in a header, base64-encoded, not encrypted.</summary>
    private static IResult BasicAuth(string user, string password, HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        string? given = null;
        if (AuthenticationHeaderValue.TryParse(header, out var auth) && auth.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) && auth.Parameter is { } token)
        {
            try
            {
                given = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            }
            catch (FormatException)
            {
            }
        }

        if (given == $"{user}:{password}")
        {
            return Results.Json(new { authenticated = true, user });
        }

        http.Response.Headers.WWWAuthenticate = "Basic realm=\"netlab\", charset=\"UTF-8\"";
        return LabRoutes.Text(given is null
            ? $"401 Unauthorized: this page wants a user and password. Send them: curl -u {user}:{password} {http.Request.Scheme}://{http.Request.Host}{http.Request.Path} (they travel in a header, base64-encoded, not encrypted: that is what HTTPS is for)\n"
            : $"401 Unauthorized: those are not the credentials this page wants (it wants {user}:{password}).\n", 401);
    }

    /// <summary>Answers with the status code and its reason phrase, with the headers RFC 9110 requires of it.</summary>
    private sealed class StatusResult(int code, string reason) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            var headers = http.Response.Headers;
            http.Response.StatusCode = code;
            if (code is >= 300 and < 400 && code != 304)
            {
                headers.Location = "/";
            }

            switch (code)
            {
                case 401:
                    headers.WWWAuthenticate = "Basic realm=\"netlab\"";
                    break;
                case 405:
                    headers.Allow = "GET, HEAD";
                    break;
                case 407:
                    headers.ProxyAuthenticate = "Basic realm=\"netlab\"";
                    break;
                case 416:
                    headers.ContentRange = "bytes */0";
                    break;
                case 426:
                    headers.Upgrade = "HTTP/2";
                    headers.Connection = "Upgrade";
                    break;
            }

            if (code is 204 or 205 or 304)
            {
                http.Response.ContentLength = code == 205 ? 0 : null;
                return Task.CompletedTask; // no content, by definition (RFC 9110 §15.3.5, §15.3.6, §15.4.5)
            }

            // HEAD gets the same headers as GET, the length included, and no body.
            var body = System.Text.Encoding.UTF8.GetBytes(reason.Length > 0 ? $"{code} {reason}\n" : $"{code} (no reason phrase: not a status code any RFC registers)\n");
            http.Response.ContentType = "text/plain; charset=utf-8";
            http.Response.ContentLength = body.Length;
            return HttpMethods.IsHead(http.Request.Method) ? Task.CompletedTask : http.Response.Body.WriteAsync(body).AsTask();
        }
    }

    private sealed class BytesResult(long count, TimeSpan stall, TimeProvider time) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.ContentType = "application/octet-stream";
            http.Response.ContentLength = count;
            return HttpMethods.IsHead(http.Request.Method) ? Task.CompletedTask : BytePattern.WriteAsync(http.Response.BodyWriter, count, stall, time, http.RequestAborted);
        }
    }
}
