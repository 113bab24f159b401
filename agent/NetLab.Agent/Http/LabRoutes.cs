using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using NetLab.Agent.Connections;
using NetLab.Agent.Hosting;
using NetLab.Agent.Storage;

namespace NetLab.Agent.Http;

/// <summary>The tutorial's Flask pages and the status-code lessons, as minimal API routes.</summary>
internal static class LabRoutes
{
    public const long MaxBytesRoute = 1L << 30;

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
        app.MapGet("/bytes/{n}", (string n, HttpContext http) => Bytes(n, http));
        app.MapGet("/files", () => Results.Json(lab.Files.List()));
        app.MapGet("/files/{name}", (string name) => GetFile(lab.Files, name));
        app.MapPut("/files/{name}", (string name, HttpContext http) => PutFileAsync(lab.Files, name, http));
        app.MapGet("/cert", () => Results.Text(
            $"SHA-256 fingerprint: {lab.Certificate.Fingerprint}\n{lab.Certificate.Pem}\n", "text/plain", Encoding.UTF8));
        app.MapGet("/health", () => Results.Json(new
        {
            status = "ok",
            version = LabServices.Version,
            host = LabServices.HostName,
            uptimeSeconds = Math.Round((lab.Time.GetUtcNow() - lab.StartedAt).TotalSeconds, 1),
            openConnections = lab.Connections.Open,
            acceptedConnections = lab.Connections.Accepted,
            idleSeconds = lab.IdleSeconds(),
            storedBytes = lab.Files.UsedBytes,
            fingerprint = lab.Certificate.Fingerprint,
        }));
        app.MapFallback((HttpContext http) => Results.Text(
            $"404 Not Found: nothing at {http.Request.Path}. Try /, /index, /index/Adam, /data?format=json, /status/418, /redirect, /ip, /headers, /bytes/100, /files, /cert, /health\n",
            "text/plain", Encoding.UTF8, 404));
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

    private static IResult Bytes(string text, HttpContext http)
    {
        if (!long.TryParse(text, out var n) || n < 0 || n > MaxBytesRoute)
        {
            return Results.Text($"400 Bad Request: /bytes/{{n}} takes 0 to {MaxBytesRoute} bytes\n", "text/plain", Encoding.UTF8, 400);
        }

        return new BytesResult(n);
    }

    private static IResult GetFile(FileStore files, string name)
    {
        try
        {
            return Results.Stream(files.OpenRead(name), "application/octet-stream");
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
            await using var upload = files.BeginUpload(name, http.Request.ContentLength);
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
            StorageError.StorageFull => 507,
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

    private sealed class BytesResult(long count) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.ContentType = "application/octet-stream";
            http.Response.ContentLength = count;
            return BytePattern.WriteAsync(http.Response.BodyWriter, count, http.RequestAborted);
        }
    }
}
