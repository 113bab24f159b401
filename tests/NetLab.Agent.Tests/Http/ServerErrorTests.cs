using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using NetLab.Agent.Http;
using NetLab.Agent.Internet;
using NetLab.Testing;

namespace NetLab.Agent.Tests.Http;

/// <summary>
/// No 500 is silent: whatever throws while a request is served is logged once at Error with its stack trace
/// (rate-limited per kind), and the client gets a 500 with a body that says it is the agent's fault.
/// </summary>
public sealed class ServerErrorTests : IDisposable
{
    private readonly LogLines _log = new();
    private readonly FakeTimeProvider _time = new();

    public void Dispose() => _log.Dispose();

    private ClientLog ClientLog() => new(_log.CreateLogger("NetLab.Agent"), _time, linesPerMinute: 60);

    [Fact]
    public async Task A_route_that_throws_gets_a_500_with_a_body_and_one_Error_line_with_the_stack()
    {
        var http = Request("GET", "/index");
        await ServerErrors.RunAsync(http, _ => throw new InvalidOperationException("a bug in a route"), ClientLog());

        Assert.Equal(500, http.Response.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", http.Response.ContentType);
        Assert.Equal(ServerErrors.Body, Body(http));
        Assert.StartsWith("500 Internal Server Error: the agent failed while answering this request.", ServerErrors.Body);
        var line = Assert.Single(_log.Lines);
        Assert.Contains("Error: Unexpected failure serving 127.0.0.1: GET /index: answered 500 Internal Server Error", line);
        Assert.Contains("System.InvalidOperationException: a bug in a route", line);
        Assert.Contains(" at ", line); // the stack trace: the agent's own fault keeps it
    }

    [Fact]
    public async Task A_failure_that_comes_later_in_an_async_route_is_answered_the_same()
    {
        var http = Request("PUT", "/files/x");
        await ServerErrors.RunAsync(http, async _ => { await Task.Yield(); throw new KeyNotFoundException("later"); }, ClientLog());

        Assert.Equal(500, http.Response.StatusCode);
        Assert.Equal(ServerErrors.Body, Body(http));
        Assert.Contains("PUT /files/x: answered 500", Assert.Single(_log.Lines));
    }

    [Fact]
    public async Task The_same_kind_again_within_a_minute_is_answered_but_not_logged_and_the_next_line_counts_it()
    {
        var log = ClientLog();
        for (var i = 0; i < 3; i++)
        {
            var http = Request("GET", "/");
            await ServerErrors.RunAsync(http, _ => throw new InvalidOperationException("again"), log);
            Assert.Equal(ServerErrors.Body, Body(http)); // every client is told, whatever the log does
        }

        Assert.Single(_log.Lines);
        await ServerErrors.RunAsync(Request("GET", "/"), _ => throw new ArgumentException("another kind"), log);
        Assert.Equal(2, _log.Lines.Count); // another kind has its own minute

        _time.Advance(TimeSpan.FromMinutes(1));
        await ServerErrors.RunAsync(Request("GET", "/"), _ => throw new InvalidOperationException("again"), log);
        Assert.Equal(3, _log.Lines.Count);
        Assert.Contains("(2 more such lines left out)", _log.Lines.Last());
    }

    [Fact]
    public async Task A_failure_after_the_answer_began_cuts_the_connection_and_is_logged()
    {
        var http = Request("GET", "/bytes/100");
        var started = new StartedResponse();
        http.Features.Set<IHttpResponseFeature>(started);
        var lifetime = new Lifetime();
        http.Features.Set<IHttpRequestLifetimeFeature>(lifetime);

        await ServerErrors.RunAsync(http, _ => throw new InvalidOperationException("midway"), ClientLog());

        Assert.True(lifetime.Aborted);
        Assert.Equal(200, started.StatusCode); // a status already sent cannot change
        Assert.Contains("GET /bytes/100: its answer was cut off", Assert.Single(_log.Lines));
    }

    [Fact]
    public async Task What_a_client_causes_is_left_to_the_gate_and_not_logged_as_the_agent_s_fault()
    {
        var http = Request("GET", "/");
        await Assert.ThrowsAsync<IOException>(() => ServerErrors.RunAsync(http, _ => throw new IOException("the client reset"), ClientLog()));
        Assert.Empty(_log.Lines);
    }

    [Fact]
    public async Task Routing_itself_failing_on_a_real_agent_is_a_500_with_a_body_and_one_Error_line()
    {
        // Routing throws on every request, before any of the agent's own code runs: the shape of the failure seen under
        // qemu, where building the route table on the first request called a DI resolver that ran stale code. A logger of
        // routing's that throws stands in for it (routing logs each match at Debug).
        await using var agent = await TestAgent.StartAsync(configure: o => o with
        {
            ConfigureLogging = logging =>
            {
                _log.Attach(logging);
                logging.AddFilter(ThrowingRoutingLog.Category, LogLevel.Debug);
                logging.AddProvider(new ThrowingRoutingLog());
            },
        });
        using var client = new HttpClient();
        for (var i = 0; i < 3; i++)
        {
            using var response = await client.GetAsync($"{agent.HttpUrl}/index/Adam");
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(ServerErrors.Body, await response.Content.ReadAsStringAsync());
        }

        var errors = _log.Lines.Where(l => l.Contains(" Error: ", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(errors); // three failures of one kind in a minute: one line
        Assert.Contains("Unexpected failure serving 127.0.0.1: GET /index/Adam: answered 500 Internal Server Error", line);
        Assert.Contains("routing failed here", line);
        Assert.Contains("EndpointRoutingMiddleware", line); // its stack trace names where
    }

    private static DefaultHttpContext Request(string method, string path)
    {
        var http = new DefaultHttpContext();
        http.Request.Method = method;
        http.Request.Path = path;
        http.Connection.RemoteIpAddress = IPAddress.Loopback;
        http.Response.Body = new MemoryStream();
        return http;
    }

    private static string Body(HttpContext http) => Encoding.UTF8.GetString(((MemoryStream)http.Response.Body).ToArray());

    private sealed class StartedResponse : HttpResponseFeature
    {
        public override bool HasStarted => true;
    }

    private sealed class Lifetime : IHttpRequestLifetimeFeature
    {
        public bool Aborted { get; private set; }

        public CancellationToken RequestAborted { get; set; }

        public void Abort() => Aborted = true;
    }

    /// <summary>Routing's logger, made to throw when routing logs a match.</summary>
    private sealed class ThrowingRoutingLog : ILoggerProvider
    {
        public const string Category = "Microsoft.AspNetCore.Routing.EndpointRoutingMiddleware";

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName == Category);

        public void Dispose()
        {
        }

        private sealed class Logger(bool throws) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => throws;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (throws)
                {
                    throw new InvalidOperationException("routing failed here");
                }
            }
        }
    }
}
