using System.Text;
using NetLab.Agent.Internet;

namespace NetLab.Agent.Http;

/// <summary>
/// The outermost part of every request, before routing: an exception nothing else handled (a bug in a route, in
/// routing's own first build of the route table, in the runtime beneath) is logged at Error with its stack trace, at
/// most once a minute per kind (<see cref="ClientLog.Unexpected"/>), and answered with a 500 whose body says what
/// happened. Without it Kestrel answers an empty 500 and logs in a category the agent keeps at Critical (its lines
/// about what clients do carry stack traces), so the failure would be seen by no one.
/// </summary>
internal static class ServerErrors
{
    public const string Body = "500 Internal Server Error: the agent failed while answering this request. The fault is the agent's, not your request's; the host's log has the details (journalctl -u netlab-agent).\n";

    private static readonly byte[] BodyBytes = Encoding.UTF8.GetBytes(Body);

    public static Task RunAsync(HttpContext http, RequestDelegate next, ClientLog log)
    {
        Task running;
        try
        {
            running = next(http);
        }
        catch (Exception e)
        {
            running = Task.FromException(e);
        }

        return running.IsCompletedSuccessfully ? Task.CompletedTask : AfterAsync(running, http, log);
    }

    private static async Task AfterAsync(Task running, HttpContext http, ClientLog log)
    {
        try
        {
            await running;
        }
        catch (Exception e) when (!ClientLog.IsClientCaused(e))
        {
            var started = http.Response.HasStarted;
            var what = $"{http.Request.Method} {http.Request.Path}: {(started ? "its answer was cut off (it had begun)" : "answered 500 Internal Server Error")}";
            log.Unexpected(HttpGate.Owner(http), what, e);
            if (started)
            {
                http.Abort(); // too late for a status: the cut connection is all the client can be told
                return;
            }

            http.Response.Clear();
            http.Response.StatusCode = StatusCodes.Status500InternalServerError;
            http.Response.ContentType = "text/plain; charset=utf-8";
            http.Response.ContentLength = BodyBytes.Length;
            await http.Response.Body.WriteAsync(BodyBytes);
        }
    }
}
