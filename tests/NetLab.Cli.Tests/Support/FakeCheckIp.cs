using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace NetLab.Cli.Tests.Support;

/// <summary>A stand-in for checkip.amazonaws.com on 127.0.0.1: answers every GET with the address it is given, as the real one does ("198.51.100.23\n").</summary>
public sealed class FakeCheckIp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private FakeCheckIp(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    /// <summary>What it answers.</summary>
    public string Answer { get; set; } = "198.51.100.23\n";

    public int Requests => Volatile.Read(ref _requests);

    public static async Task<FakeCheckIp> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeCheckIp(app);
        app.MapGet("/", () =>
        {
            Interlocked.Increment(ref fake._requests);
            return Results.Text(fake.Answer, "text/plain");
        });
        await app.StartAsync();
        fake.Url = app.Urls.First() + "/";
        return fake;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
