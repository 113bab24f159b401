using System.Diagnostics;
using System.Text.Json.Serialization;
using NetLab.Cli.Lab;

namespace NetLab.Cli.Exercises;

/// <summary>Every route the tutorial shows, by raw request, with the status each must give.</summary>
internal class HttpExercise : Exercise
{
    private static readonly (string Target, int Status, Func<RawResponse, bool> Check, string What)[] Routes =
    [
        ("/", 200, r => r.BodyText == "Hello World!\n", "Hello World!"),
        ("/index/Adam", 200, r => r.BodyText.Contains("Hello, Adam!", StringComparison.Ordinal), "Hello, Adam!"),
        ("/data?format=csv", 200, r => r.BodyText.StartsWith("port,protocol,service", StringComparison.Ordinal), "a CSV table"),
        ("/redirect", 301, r => r.Header("Location") == "/", "Location: /"),
        ("/data?format=idontknow", 400, r => r.BodyText.Contains("json, csv, xml", StringComparison.Ordinal), "the valid formats"),
        ("/no-such-page", 404, _ => true, "Not Found"),
    ];

    public override string Id => "http";

    public override string Title => "HTTP by raw request";

    public override string Teaches => "HTTP is text over TCP: a request line, headers, a blank line; the status code (200, 301, 400, 404) says how it went.";

    public override bool ShowsWireByDefault => true;

    public override string? WireLesson(Wire.WireView view) => Wire.WireLessons.Handshake(view);

    public override string TryByHand(string host, int port) => ByHand(host, port) + $";   in a browser: `https://{Net.Endpoint(host, port)}/index`";

    public override string TryByHand(ExerciseContext context) => ByHand(context.Host, context.Port) + $";   in a browser: `{context.BrowserUrl("/index")}`";

    private static string ByHand(string host, int port) => $"`telnet {host} {port}`   then type: `GET / HTTP/1.1`, `Host: {host}`, and a blank line";

    protected virtual bool OverTls => false;

    public override async Task RunAsync(ExerciseContext context, Figures figures, CancellationToken ct)
    {
        // One connection per request, all at once, as a browser fetches a page's parts: a round trip or two
        // in all, not one per route (over an ocean, seven in a row took five seconds).
        var answers = await Task.WhenAll(Routes.Select(async route =>
        {
            var clock = Stopwatch.StartNew();
            await using var stream = await OpenAsync(context, ct);
            var response = await RawHttp.ExchangeAsync(stream, RawHttp.Request("GET", route.Target, context.Host), ct);
            return (Response: response, Elapsed: clock.Elapsed);
        }).Append(ExchangeAsync(context, "GET / HTTPS/1.1\r\nHost: lab\r\n\r\n", ct)));

        // Every answer, kept before any is judged: a wrong status is the first thing the report's chart shows.
        figures.Samples = new HttpSamples(
        [
            .. Routes.Select((route, i) => Sample($"GET {route.Target}", route.Status, answers[i])),
            Sample("GET / HTTPS/1.1", 400, answers[^1]),
        ]);

        for (var i = 0; i < Routes.Length; i++)
        {
            var (target, status, check, what) = Routes[i];
            var (response, elapsed) = answers[i];
            Expect.That(response.Status == status, $"{status} for GET {target}", response.Status >= 400 && response.BodyText.Trim() is { Length: > 0 } refusal ? refusal.Split('\n')[0] : response.StatusLine);
            Expect.That(check(response), $"{what} in the answer to GET {target}", $"\"{Expect.Shorten(response.BodyText.Trim())}\"");
            figures.Add($"GET {target}", $"{response.StatusLine[9..]} ({Figures.Ms(elapsed.TotalMilliseconds)})",
                ($"GET {target}", new HttpFigure(response.Status, Math.Round(elapsed.TotalMilliseconds, 3))));
        }

        // Over a lossy path a request segment may be lost and sent again a retransmission timeout later, after the
        // agent's sniff window: the agent then says its banner first and answers anyway. Counted, not failed.
        var late = answers.Count(a => a.Response.AfterBanner);
        figures.Value("requestsAfterBanner", late);
        if (late > 0)
        {
            figures.Add("requests after the banner", $"{late} (a lost segment came again after the agent's sniff window: its banner first, then the answer)");
        }

        var https11 = answers[^1].Response;
        Expect.That(https11.Status == 400, "400 for GET / HTTPS/1.1 (HTTPS is not an HTTP version)", https11.Status > 400 && https11.BodyText.Trim() is { Length: > 0 } said ? said.Split('\n')[0] : https11.StatusLine);
        figures.Add("GET / HTTPS/1.1", https11.StatusLine[9..], ("GET / HTTPS/1.1", new HttpFigure(https11.Status, null)));
    }

    private static HttpRouteSample Sample(string request, int expected, (RawResponse Response, TimeSpan Elapsed) answer) =>
        new(request, expected, answer.Response.Status, answer.Response.StatusLine.Length > 9 ? answer.Response.StatusLine[9..] : answer.Response.StatusLine,
            Math.Round(answer.Elapsed.TotalMilliseconds, 3));

    private async Task<(RawResponse Response, TimeSpan Elapsed)> ExchangeAsync(ExerciseContext context, string request, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await using var stream = await OpenAsync(context, ct);
        return (await RawHttp.ExchangeAsync(stream, request, ct), clock.Elapsed);
    }

    /// <summary>The request's first write opens the connection, so the agent's sniffer has it at once.</summary>
    protected virtual Task<Stream> OpenAsync(ExerciseContext context, CancellationToken ct) =>
        Task.FromResult<Stream>(new ConnectOnWriteStream(context.Host, context.Port));
}

/// <summary>A route's answer in <c>--json</c>: its status code, and how long the exchange took (none for the HTTPS/1.1 check).</summary>
internal sealed record HttpFigure([property: JsonPropertyName("status")] int Status, [property: JsonPropertyName("ms")] double? Ms);

internal sealed class HttpsExercise : HttpExercise
{
    public override string Id => "https";

    public override string Title => "HTTPS by raw request";

    public override string Teaches => "HTTPS is the very same HTTP inside TLS, which is why telnet cannot speak it and openssl s_client can.";

    public override string TryByHand(string host, int port) =>
        $"`openssl s_client -connect {Net.Endpoint(host, port)}`   then `GET / HTTP/1.1`   (or `curl -k https://{Net.Endpoint(host, port)}/`);   " +
        $"in a browser: `https://{Net.Endpoint(host, port)}/index` (accept its self-signed certificate once)";

    public override string TryByHand(ExerciseContext context) => TryByHand(context.Host, context.Port);

    protected override async Task<Stream> OpenAsync(ExerciseContext context, CancellationToken ct) =>
        (await TlsClient.ConnectAsync(context.Host, context.Port, context.Pins, context.TrustNewCert, ct)).Stream;
}
