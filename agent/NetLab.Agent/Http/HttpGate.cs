using System.Globalization;
using System.Net;
using NetLab.Agent.Connections;
using NetLab.Agent.Internet;
using NetLab.Agent.Text;

namespace NetLab.Agent.Http;

/// <summary>
/// Around every request: over the egress budget, 429 with Retry-After; no route for the path, the helpful 404.
/// After it: lab use recorded, a reservation's unused part given back, and a failure the client caused logged
/// in one rate-limited line. It also tells the connection an application request is running, so the connection
/// knows the error responses Kestrel makes itself (<see cref="KestrelErrorBodies"/>) from the application's.
/// </summary>
/// <param name="labPort">The lab port: a browser seen there makes its address's silent connections wait longer.</param>
/// <param name="browsers">Where that is remembered.</param>
/// <param name="use">Lab use, recorded after each lab route's request.</param>
/// <param name="clientLog">Where a failure the client caused is said once.</param>
internal sealed class HttpGate(int labPort, BrowserMemory browsers, LabUse use, ClientLog clientLog)
{
    public const string NotFoundHint = "Try /, /index, /index/Adam, /data?format=json, /status/418, /redirect, /ip, /headers, /bytes/100, /delay/1, /basic-auth/user/pass, /files, /cert, /capture, /health";

    public Task RunAsync(HttpContext http, RequestDelegate next)
    {
        var admitted = http.Features.Get<LabConnection>();
        if (admitted?.Egress is { } egress && egress.WaitFor(1) is var wait && wait > TimeSpan.Zero)
        {
            return TooManyRequests(http, egress.Why(1, wait), wait).ExecuteAsync(http);
        }

        if (http.GetEndpoint() is not { } endpoint)
        {
            return LabRoutes.Text($"404 Not Found: nothing at {http.Request.Path}. {NotFoundHint}\n", 404).ExecuteAsync(http);
        }

        if (!http.Request.IsHttps && http.Connection.LocalPort == labPort && BrowserMemory.IsBrowser(http.Request.Headers.UserAgent))
        {
            browsers.Saw(Owner(http)); // its next silent connections may be its own preconnects
        }

        admitted?.Http.Enter();
        Task running;
        try
        {
            running = next(http);
        }
        catch (Exception e)
        {
            running = Task.FromException(e);
        }

        // Most requests finish at once (a small answer written in one go): then nothing here allocates.
        return running.IsCompletedSuccessfully && !NeedsBody(http) ? Done(http, endpoint, admitted) : AfterAsync(running, http, endpoint, admitted);
    }

    private async Task AfterAsync(Task running, HttpContext http, Endpoint endpoint, LabConnection? admitted)
    {
        try
        {
            await running;
            if (NeedsBody(http))
            {
                // An error routing (405) or a framework result (a file result's 416) left without a body: it gets its explanation.
                await ErrorBodies.WriteAsync(http);
            }

            await Done(http, endpoint, admitted: null);
        }
        catch (Exception e) when (ClientLog.IsClientCaused(e))
        {
            clientLog.ClientFailed(Owner(http), $"{http.Request.Method} {http.Request.Path}", e);
            http.Abort();
        }
        finally
        {
            Release(admitted);
        }
    }

    private Task Done(HttpContext http, Endpoint endpoint, LabConnection? admitted)
    {
        if (endpoint.Metadata.GetMetadata<LabRoutes.LabRoute>() is not null && !HttpMethods.IsOptions(http.Request.Method) && admitted is not { IsLoopback: true })
        {
            use.Record(Owner(http), what: $"{http.Request.Method} {http.Request.Path}");
        }

        Release(admitted);
        return Task.CompletedTask;
    }

    private static void Release(LabConnection? admitted)
    {
        if (admitted is not null)
        {
            admitted.Egress?.ReleaseReservation();
            admitted.Http.Leave();
        }
    }

    private static bool NeedsBody(HttpContext http) =>
        http.Response.StatusCode >= 400 && !http.Response.HasStarted && (http.Response.ContentLength ?? 0) == 0;

    /// <summary>429, with how long to wait: this address, or everyone, has been sent all the budget allows for now.</summary>
    public static IResult TooManyRequests(HttpContext http, string why, TimeSpan wait)
    {
        if (http.Features.Get<LabConnection>() is { } connection)
        {
            connection.Refusing = true; // the 429 goes out even when the address owes too much
        }

        http.Response.Headers.RetryAfter = Math.Ceiling(wait.TotalSeconds).ToString("0", CultureInfo.InvariantCulture);
        return LabRoutes.Text($"429 Too Many Requests: {why}\n", 429);
    }

    /// <summary>Reserves a large reply's bytes; a 429 when the budget does not have them (null: go ahead). HEAD sends no body, so needs none.</summary>
    public static IResult? Reserve(HttpContext http, AgentLimits limits, long bytes) =>
        !HttpMethods.IsHead(http.Request.Method) && http.Features.Get<LabConnection>()?.Egress is { } egress && !egress.TryReserve(bytes, out var wait)
            ? TooManyRequests(http, egress.Why(bytes, wait), wait)
            : null;

    /// <summary>The client's address: whose files a request sees (IPv4-mapped IPv6 as IPv4).</summary>
    public static IPAddress Owner(HttpContext http) => Normalize(http.Connection.RemoteIpAddress) ?? IPAddress.None;

    public static IPAddress? Normalize(IPAddress? address) => address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;
}
