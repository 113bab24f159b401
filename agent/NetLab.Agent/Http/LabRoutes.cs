using System.Text;
using NetLab.Agent.Internet;

namespace NetLab.Agent.Http;

/// <summary>
/// The agent's HTTP: the tutorial's Flask pages, the status-code lessons, stored files and health, as minimal API
/// routes. As a general-purpose server must (RFC 9110 §9.1), and as Flask does, every GET route answers HEAD
/// (the same headers, no body) and OPTIONS (200 with Allow); a known path asked with another method gets
/// routing's own 405 with Allow; an unknown path the helpful 404; every error the agent makes has a short
/// plain-text body that explains it (<see cref="ErrorBodies"/>).
/// </summary>
internal static class LabRoutes
{
    /// <summary>
    /// The request pipeline around the routes <paramref name="mapRoutes"/> maps: failures answered and logged first,
    /// then routing, then <paramref name="gate"/>; OPTIONS last, for every route mapped.
    /// </summary>
    public static void Map(WebApplication app, ClientLog clientLog, HttpGate gate, Action<RouteTable> mapRoutes)
    {
        // First, before routing (which builds the route table on the first request): nothing fails unlogged or with an empty 500.
        app.Use((http, next) => ServerErrors.RunAsync(http, next, clientLog));
        app.UseRouting();
        app.Use((http, next) => gate.RunAsync(http, next));

        var routes = new RouteTable(app);
        mapRoutes(routes);
        routes.MapOptions();
    }

    /// <summary>Every route's methods, so OPTIONS (and routing's 405) can say them all.</summary>
    internal sealed class RouteTable(WebApplication app)
    {
        private readonly Dictionary<string, SortedSet<string>> _methods = new(StringComparer.Ordinal);

        /// <summary>A GET route, which answers HEAD too. <paramref name="labUse"/>: its requests keep the host alive.</summary>
        public RouteHandlerBuilder Get(string pattern, Delegate handler, bool labUse = true) => Map(pattern, [HttpMethods.Get, HttpMethods.Head], handler, labUse);

        public RouteHandlerBuilder Map(string pattern, string[] methods, Delegate handler, bool labUse = true)
        {
            if (!_methods.TryGetValue(pattern, out var known))
            {
                _methods[pattern] = known = new SortedSet<string>(StringComparer.Ordinal);
            }

            known.UnionWith(methods);
            var route = app.MapMethods(pattern, methods, handler);
            return labUse ? route.WithMetadata(LabRoute.Instance) : route;
        }

        /// <summary>OPTIONS on every route that does not answer it itself: 200 with Allow, as Flask gives it.</summary>
        public void MapOptions()
        {
            foreach (var (pattern, methods) in _methods.Where(m => !m.Value.Contains(HttpMethods.Options)))
            {
                var allow = string.Join(", ", methods.Append(HttpMethods.Options).Distinct().Order(StringComparer.Ordinal)); // as routing's 405 lists them
                app.MapMethods(pattern, [HttpMethods.Options], (HttpContext http) =>
                {
                    http.Response.Headers.Allow = allow;
                    return Results.Ok();
                });
            }
        }

    }

    /// <summary>Marks the routes whose requests are lab use (not /health, which monitors poll; not OPTIONS; not a 404).</summary>
    internal sealed class LabRoute
    {
        public static readonly LabRoute Instance = new();
    }

    internal static IResult Text(string text, int status = 200) => Results.Text(text, "text/plain", Encoding.UTF8, status);
}
