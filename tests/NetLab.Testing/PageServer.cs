using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace NetLab.Testing;

/// <summary>
/// Another site, on 127.0.0.1 and a free port, serving the pages a test gives it: the page a browser is on when it
/// preconnects to the agent, as a real page on the web would.
/// </summary>
public sealed class PageServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private PageServer(WebApplication app, int port)
    {
        _app = app;
        Url = $"http://127.0.0.1:{port}";
    }

    public string Url { get; }

    /// <summary>Serves each page at its path, as text/html.</summary>
    public static async Task<PageServer> StartAsync(IReadOnlyDictionary<string, string> pages)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Run(http =>
        {
            if (!pages.TryGetValue(http.Request.Path.Value ?? "/", out var page))
            {
                http.Response.StatusCode = 404;
                return Task.CompletedTask;
            }

            http.Response.ContentType = "text/html; charset=utf-8";
            return http.Response.WriteAsync(page);
        });
        await app.StartAsync();
        var address = app.Urls.Single();
        return new PageServer(app, new Uri(address).Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
