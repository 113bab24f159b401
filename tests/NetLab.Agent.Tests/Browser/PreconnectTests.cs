using NetLab.Agent.Tests.Internet;
using NetLab.Testing;
using PuppeteerSharp;

namespace NetLab.Agent.Tests.Browser;

/// <summary>
/// A browser connects before it has anything to send: a page's <c>&lt;link rel="preconnect"&gt;</c>, a prediction while
/// a URL is typed, a hover, a backup connection. This is the issue's case, as measured: a page on another site
/// preconnects to the agent, and 2.5 s later (past the sniff window) the student clicks through to it. On a port where
/// the server speaks first to silence, that socket got the text banner, read as the HTTP response.
/// </summary>
[Collection(Alone.Name)]
[Trait("Loop", "Slow")] // a browser (Chromium)
public class PreconnectTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static readonly TimeSpan Think = TimeSpan.FromSeconds(2.5);

    private TestAgent Agent => fixture.Agent;

    private Chromium Chromium => fixture.Chromium;

    /// <summary>web: the web port; https: TLS on the lab port; http: plain HTTP on the lab port, from an address whose browser used it moments ago.</summary>
    [Theory]
    [InlineData("web")]
    [InlineData("https")]
    [InlineData("http")]
    public async Task Preconnect_then_navigate_renders_ten_times_out_of_ten(string site)
    {
        var origin = site switch { "web" => Agent.WebUrl, "https" => Agent.HttpsUrl, _ => Agent.HttpUrl };
        var errors = new List<string>();
        if (site == "http")
        {
            // The student browsed the lab port a moment ago, in another tab.
            await using var earlier = await Chromium.NewPageAsync();
            Assert.Equal(System.Net.HttpStatusCode.OK, (await earlier.GoToAsync($"{origin}/index")).Status);
        }

        await using var elsewhere = await PageServer.StartAsync(new Dictionary<string, string> { ["/go"] = PreconnectPage(origin) });
        for (var run = 1; run <= 10; run++)
        {
            // A browser of its own each time (Chromium does not preconnect from an incognito-like context, and one
            // browser's kept-alive connection from the run before would serve the page instead).
            await using var browser = await Chromium.LaunchAsync(SpkiSwitch);
            var page = await browser.NewPageAsync();
            var accepted = Agent.Host.Lab.Connections.Accepted;
            await page.GoToAsync($"{elsewhere.Url}/go");
            await Eventually.UntilAsync(() => Agent.Host.Lab.Connections.Accepted > accepted, $"run {run}: the browser's preconnection to {origin}");
            await Task.Delay(Think);
            Assert.Equal(accepted + 1, Agent.Host.Lab.Connections.Accepted); // one silent socket, waiting for the click

            var navigation = page.WaitForNavigationAsync();
            await page.ClickAsync("#go");
            var response = await navigation;
            var text = await Chromium.TextAsync(page);
            Assert.True(response is { Status: System.Net.HttpStatusCode.OK } && text.Contains("Hello World", StringComparison.Ordinal),
                $"run {run} on {origin}: {response?.Status} at {page.Url}, showing:\n{text}");
            errors.AddRange(browser.Errors);
        }

        Assert.Empty(errors);
    }

    [Fact]
    public async Task Without_the_browser_memory_the_banner_breaks_the_page_as_the_issue_measured()
    {
        // The control: plain HTTP on the lab port, an address that has not browsed, the wait for browsers off.
        var log = new LogLines();
        await using var agent = await TestAgent.StartAsync(configure: o => o with { BrowserSniffTimeout = TimeSpan.Zero, ConfigureLogging = log.Attach });
        await using var elsewhere = await PageServer.StartAsync(new Dictionary<string, string> { ["/go"] = PreconnectPage(agent.HttpUrl) });
        await using var browser = await Chromium.LaunchAsync();
        var page = await browser.NewPageAsync();
        var accepted = agent.Host.Lab.Connections.Accepted;
        await page.GoToAsync($"{elsewhere.Url}/go");
        await Eventually.UntilAsync(() => agent.Host.Lab.Connections.Accepted > accepted, "the browser's preconnection");
        await Task.Delay(Think);
        var navigation = page.WaitForNavigationAsync();
        await page.ClickAsync("#go");
        await navigation;
        Assert.Contains("ERR_INVALID_HTTP_RESPONSE", await Chromium.TextAsync(page)); // Chromium's error page
        // The preconnected socket was silent past the sniff window: the agent gave it the banner, the browser's "response".
        Assert.Contains(log.Lines, l => l.Contains("sniffed as SniffResult { Verdict = Text, SawData = False", StringComparison.Ordinal));
    }

    /// <summary>A page of another site that preconnects to <paramref name="origin"/> and links to its /index.</summary>
    private static string PreconnectPage(string origin) => $"""
        <!doctype html>
        <html><head><meta charset="utf-8"><title>elsewhere</title><link rel="icon" href="data:,"><link rel="preconnect" href="{origin}"></head>
        <body><p>A page of another site; it preconnects to the lab.</p><a id="go" href="{origin}/index">the lab's index</a></body></html>
        """;

    private string SpkiSwitch => $"--ignore-certificate-errors-spki-list={fixture.Spki}";
}
