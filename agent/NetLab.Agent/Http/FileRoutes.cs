using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using NetLab.Agent.Hosting;
using NetLab.Agent.Storage;

namespace NetLab.Agent.Http;

/// <summary>
/// Stored files over HTTP, each the caller's own (their address's): GET and HEAD with everything a download
/// resumes by (Accept-Ranges, single ranges with 206 and Content-Range, 416, If-Range, ETag and Last-Modified
/// with 304 for If-None-Match and If-Modified-Since: ASP.NET's own file results do it), PUT (temp then rename),
/// DELETE, and the listing.
/// </summary>
internal static class FileRoutes
{
    public static void Map(LabRoutes.RouteTable routes, FileStore files, TimeProvider time)
    {
        routes.Get("/files", (HttpContext http) => Results.Json(files.List(HttpGate.Owner(http))));
        routes.Get("/files/{name}", (string name, HttpContext http) => Get(files, name, http));
        routes.Map("/files/{name}", [HttpMethods.Put], (string name, HttpContext http) => PutAsync(files, time, name, http));
        routes.Map("/files/{name}", [HttpMethods.Delete], (string name, HttpContext http) => Delete(files, name, http));
    }

    private static IResult Get(FileStore files, string name, HttpContext http)
    {
        var owner = HttpGate.Owner(http);
        try
        {
            var file = files.Find(owner, name);
            return HttpGate.Reserve(http, files.Limits, file.Length) ?? TypedResults.PhysicalFile(
                files.PathOf(owner, name),
                "application/octet-stream",
                fileDownloadName: null,
                lastModified: file.Modified,
                entityTag: new EntityTagHeaderValue($"\"{file.Length:x}-{file.Modified.UtcTicks:x}\""),
                enableRangeProcessing: true);
        }
        catch (StorageException e)
        {
            return Failure(e);
        }
    }

    private static async Task<IResult> PutAsync(FileStore files, TimeProvider time, string name, HttpContext http)
    {
        // Our quotas replace Kestrel's 30 MB default body limit.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }

        try
        {
            await using var upload = files.BeginUpload(HttpGate.Owner(http), name, http.Request.ContentLength);
            var body = http.Request.BodyReader;
            while (true)
            {
                var result = await body.ReadAsync(http.RequestAborted);
                try
                {
                    foreach (var segment in result.Buffer)
                    {
                        await upload.WriteAsync(segment, http.RequestAborted);
                    }
                }
                finally
                {
                    body.AdvanceTo(result.Buffer.End);
                }

                if (result.IsCompleted)
                {
                    break;
                }
            }

            await upload.CommitAsync();
            return LabRoutes.Text($"stored {name}: {upload.Length} bytes\n", 201);
        }
        catch (StorageException e)
        {
            // Say why at once, then close; meanwhile read and drop what the client is still sending, for a few seconds:
            // a client that writes its whole body before it reads (HttpClient, most libraries) then gets the refusal,
            // which says what to do, rather than a broken pipe.
            http.Response.Headers.Connection = "close";
            await Failure(e).ExecuteAsync(http);
            await http.Response.CompleteAsync();
            await DrainAsync(http.Request.BodyReader, time);
            return Results.Empty;
        }
        catch (Exception e) when (e is BadHttpRequestException or IOException or OperationCanceledException)
        {
            // Cut off midway: the upload was disposed uncommitted, so no file appears under the name.
            return LabRoutes.Text($"upload of {name} cut off: {e.Message}; nothing was stored\n", 400);
        }
    }

    /// <summary>How long a refused upload's remaining body is read and dropped before the connection closes.</summary>
    private static readonly TimeSpan RefusedBodyDrain = TimeSpan.FromSeconds(5);

    private static async Task DrainAsync(System.IO.Pipelines.PipeReader body, TimeProvider time)
    {
        using var drain = new CancellationTokenSource(RefusedBodyDrain, time);
        try
        {
            while (true)
            {
                var result = await body.ReadAsync(drain.Token);
                body.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or BadHttpRequestException or InvalidOperationException)
        {
            // Still sending after the drain's time, or gone: the connection closes either way.
        }
    }

    private static IResult Delete(FileStore files, string name, HttpContext http)
    {
        try
        {
            files.Delete(HttpGate.Owner(http), name);
            return LabRoutes.Text($"deleted {name}\n");
        }
        catch (StorageException e)
        {
            return Failure(e);
        }
    }

    private static IResult Failure(StorageException e) => LabRoutes.Text($"{e.Message}\n", e.Error switch
    {
        StorageError.NotFound => 404,
        StorageError.FileTooLarge => 413,
        StorageError.StorageFull or StorageError.TooManyFiles => 507,
        _ => 400,
    });
}
