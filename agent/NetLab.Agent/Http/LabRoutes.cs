using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using NetLab.Agent.Connections;
using NetLab.Agent.Hosting;
using NetLab.Agent.Internet;
using NetLab.Agent.Storage;
using NetLab.Agent.Text;

namespace NetLab.Agent.Http;

/// <summary>The tutorial's Flask pages and the status-code lessons, as minimal API routes.</summary>
internal static class LabRoutes
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
        </ul>
        </body>
        </html>

        """;

    public static void Map(WebApplication app, LabServices lab)
    {
        app.Use((http, next) => GateAsync(http, next, lab));
        app.MapGet("/", () => Results.Text("Hello World!\n", "text/plain", Encoding.UTF8));
        app.MapGet("/index", () => Results.Content(IndexPage, "text/html", Encoding.UTF8));
        app.MapGet("/index/{name}", (string name) =>
            Results.Content($"<!doctype html>\n<h1>Hello, {WebUtility.HtmlEncode(name)}!</h1>\n", "text/html", Encoding.UTF8));
        app.MapGet("/data", (string? format) => LabData.Render(format));
        app.MapMethods("/status/{code}", ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"], (string code) => Status(code));
        app.MapGet("/redirect", () => Results.Redirect("/", permanent: true));
        app.MapGet("/ip", (HttpContext http) => Results.Json(new
        {
            origin = Normalize(http.Connection.RemoteIpAddress)?.ToString(),
            port = http.Connection.RemotePort,
            scheme = http.Request.Scheme,
            protocol = http.Request.Protocol,
        }));
        app.MapGet("/headers", (HttpContext http) => Results.Json(new
        {
            method = http.Request.Method,
            path = http.Request.Path.Value,
            protocol = http.Request.Protocol,
            headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString()),
        }));
        app.MapGet("/bytes/{n}", (string n, HttpContext http) => Bytes(n, http, lab.Limits, lab.Time));
        app.MapGet("/files", (HttpContext http) => Results.Json(lab.Files.List(Owner(http))));
        app.MapGet("/files/{name}", (string name, HttpContext http) => GetFile(lab.Files, name, http));
        app.MapPut("/files/{name}", (string name, HttpContext http) => PutFileAsync(lab.Files, name, http));
        app.MapDelete("/files/{name}", (string name, HttpContext http) => DeleteFile(lab.Files, name, http));
        app.MapGet("/cert", () => Results.Text(
            $"SHA-256 fingerprint: {lab.Certificate.Fingerprint}\n{lab.Certificate.Pem}\n", "text/plain", Encoding.UTF8));
        app.MapGet("/health", (HttpContext http) => Health(http, lab)).WithMetadata(NotLabUse.Instance);
        app.MapFallback((HttpContext http) => Results.Text(
            $"404 Not Found: nothing at {http.Request.Path}. Try /, /index, /index/Adam, /data?format=json, /status/418, /redirect, /ip, /headers, /bytes/100, /files, /cert, /health\n",
            "text/plain", Encoding.UTF8, 404)).WithMetadata(NotLabUse.Instance);
    }

    /// <summary>
    /// Before every request: over the egress budget, 429 with Retry-After. After it: lab use recorded (not for
    /// /health or a 404 of the fallback), a reservation's unused part given back, and a failure the client
    /// caused logged in one rate-limited line.
    /// </summary>
    private static async Task GateAsync(HttpContext http, RequestDelegate next, LabServices lab)
    {
        var admitted = http.Features.Get<LabConnection>();
        var address = Owner(http);
        if (admitted?.Egress is { } egress && egress.WaitFor(1) is var wait && wait > TimeSpan.Zero)
        {
            await TooManyRequests(http, lab.Limits, address, wait).ExecuteAsync(http);
            return;
        }

        try
        {
            await next(http);
        }
        catch (Exception e) when (ClientLog.IsClientCaused(e))
        {
            lab.ClientLog.ClientFailed(address, $"{http.Request.Method} {http.Request.Path}", e);
            http.Abort();
        }
        finally
        {
            admitted?.Egress?.ReleaseReservation();
            if (http.GetEndpoint() is { } endpoint && endpoint.Metadata.GetMetadata<NotLabUse>() is null)
            {
                lab.Use.Record(address);
            }
        }
    }

    /// <summary>429, with how long to wait: this address, or everyone, has been sent all the budget allows for now.</summary>
    internal static IResult TooManyRequests(HttpContext http, AgentLimits limits, IPAddress address, TimeSpan wait)
    {
        http.Response.Headers.RetryAfter = Math.Ceiling(wait.TotalSeconds).ToString("0", System.Globalization.CultureInfo.InvariantCulture);
        return Results.Text(
            $"429 Too Many Requests: the agent has sent {address} all its egress budget allows for now ({ByteSize.Format(limits.EgressPerAddressPerHour)} an hour per address, " +
            $"{ByteSize.Format(limits.EgressPerDay)} a day for everyone). Retry after {Math.Ceiling(wait.TotalSeconds):0} s, or ask for less.\n",
            "text/plain", Encoding.UTF8, 429);
    }

    /// <summary>Reserves a large reply's bytes; a 429 when the budget does not have them (null: go ahead).</summary>
    private static IResult? Reserve(HttpContext http, AgentLimits limits, long bytes) =>
        http.Features.Get<LabConnection>()?.Egress is { } egress && !egress.TryReserve(bytes, out var wait)
            ? TooManyRequests(http, limits, Owner(http), wait)
            : null;

    /// <summary>Everything for the host's own checks on loopback; from anywhere else, only that the agent is up.</summary>
    private static IResult Health(HttpContext http, LabServices lab)
    {
        if (!IPAddress.IsLoopback(Owner(http)))
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

    /// <summary>The client's address: whose files a request sees (IPv4-mapped IPv6 as IPv4).</summary>
    private static IPAddress Owner(HttpContext http) => Normalize(http.Connection.RemoteIpAddress) ?? IPAddress.None;

    /// <summary>Marks the routes that are not lab use (/health, which monitors poll, and the 404 fallback, which scanners hit).</summary>
    private sealed class NotLabUse
    {
        public static readonly NotLabUse Instance = new();
    }

    private static IPAddress? Normalize(IPAddress? address) =>
        address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;

    private static IResult Status(string text)
    {
        if (!int.TryParse(text, out var code) || code is < 100 or > 599)
        {
            return Results.Text($"400 Bad Request: '{text}' is not an HTTP status code; use 100-599 (e.g. /status/418)\n", "text/plain", Encoding.UTF8, 400);
        }

        var reason = ReasonPhrases.GetReasonPhrase(code);
        if (code is >= 100 and < 200)
        {
            // An informational status cannot end an exchange (RFC 9110 §15.2): a client would wait for
            // the final response forever. Show it, then end with 200.
            return Results.Text($"{code} {reason} is informational: a server sends it before the final response, never instead of it.\n", "text/plain", Encoding.UTF8, 200);
        }

        return new StatusResult(code, reason);
    }

    private static IResult Bytes(string text, HttpContext http, AgentLimits limits, TimeProvider time)
    {
        if (!long.TryParse(text, out var n) || n < 0 || n > limits.MaxGeneratedBytes)
        {
            return Results.Text($"400 Bad Request: /bytes/{{n}} takes 0 to {limits.MaxGeneratedBytes} bytes ({ByteSize.Format(limits.MaxGeneratedBytes)})\n", "text/plain", Encoding.UTF8, 400);
        }

        return Reserve(http, limits, n) ?? new BytesResult(n, limits.StallTimeout, time);
    }

    private static IResult GetFile(FileStore files, string name, HttpContext http)
    {
        try
        {
            var file = files.Find(Owner(http), name);
            return Reserve(http, files.Limits, file.Length) ?? Results.Stream(files.OpenRead(Owner(http), name), "application/octet-stream");
        }
        catch (StorageException e)
        {
            return StorageFailure(e);
        }
    }

    private static IResult DeleteFile(FileStore files, string name, HttpContext http)
    {
        try
        {
            files.Delete(Owner(http), name);
            return Results.Text($"deleted {name}\n", "text/plain", Encoding.UTF8, 200);
        }
        catch (StorageException e)
        {
            return StorageFailure(e);
        }
    }

    private static async Task<IResult> PutFileAsync(FileStore files, string name, HttpContext http)
    {
        // Our quotas replace Kestrel's 30 MB default body limit.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }

        try
        {
            await using var upload = files.BeginUpload(Owner(http), name, http.Request.ContentLength);
            var body = http.Request.BodyReader;
            while (true)
            {
                var result = await body.ReadAsync(http.RequestAborted);
                foreach (var segment in result.Buffer)
                {
                    await upload.WriteAsync(segment, http.RequestAborted);
                }

                body.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            await upload.CommitAsync();
            return Results.Text($"stored {name}: {upload.Length} bytes\n", "text/plain", Encoding.UTF8, 201);
        }
        catch (StorageException e)
        {
            // The client may still be sending; close rather than read a body we refused.
            http.Response.Headers.Connection = "close";
            return StorageFailure(e);
        }
        catch (Exception e) when (e is BadHttpRequestException or IOException or OperationCanceledException)
        {
            // Cut off midway: the upload was disposed uncommitted, so no file appears under the name.
            return Results.Text($"upload of {name} cut off: {e.Message}; nothing was stored\n", "text/plain", Encoding.UTF8, 400);
        }
    }

    private static IResult StorageFailure(StorageException e) => Results.Text(
        $"{e.Message}\n",
        "text/plain",
        Encoding.UTF8,
        e.Error switch
        {
            StorageError.NotFound => 404,
            StorageError.FileTooLarge => 413,
            StorageError.StorageFull or StorageError.TooManyFiles => 507,
            _ => 400,
        });

    private sealed class StatusResult(int code, string reason) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = code;
            if (code is >= 300 and < 400 && code != 304)
            {
                http.Response.Headers.Location = "/";
            }

            if (code is 204 or 304 || HttpMethods.IsHead(http.Request.Method))
            {
                return Task.CompletedTask;
            }

            http.Response.ContentType = "text/plain; charset=utf-8";
            return http.Response.WriteAsync($"{code} {reason}\n");
        }
    }

    private sealed class BytesResult(long count, TimeSpan stall, TimeProvider time) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.ContentType = "application/octet-stream";
            http.Response.ContentLength = count;
            return BytePattern.WriteAsync(http.Response.BodyWriter, count, stall, time, http.RequestAborted);
        }
    }
}
