using NetLab.Testing;
using NetLab.Cli.Tests.Support;
using PuppeteerSharp;

namespace NetLab.Cli.Tests.Report;

/// <summary>
/// The real thing: <c>netlab lab --report lab.html</c>, run once in-process against its own agent, and the page it
/// wrote opened from disk in headless Chromium (Debian's, see <see cref="Chromium"/>).
/// </summary>
[Trait("Loop", "Slow")] // a browser (Chromium)
public sealed class HtmlReportBrowserTests(LabReportPage lab) : IClassFixture<LabReportPage>
{
    /// <summary>The exercises whose ladders a page draws by default (the wire).</summary>
    private static readonly string[] LadderExercises = ["tcp", "tls", "http", "https", "ncat-file"];

    /// <summary>The charts a full run draws from its samples, by their data-chart names.</summary>
    private static readonly string[] FullRunCharts = ["echo-rtt", "transfer-rate", "http-routes", "https-routes", "udp-rtt", "udp-sequence", "pipe-vs-socket"];

    [Fact]
    public async Task The_labs_report_renders_every_exercise_and_chart_with_no_console_errors_and_fetches_nothing()
    {
        lab.Run.AssertExit(0);
        var page = await lab.OpenAsync(1280, 900);

        Assert.StartsWith("netlab report: 127.0.0.1:", await page.GetTitleAsync());
        var text = await Chromium.TextAsync(page);
        Assert.Contains("All 13 exercises passed", text);
        var sections = await page.EvaluateExpressionAsync<string[]>("[...document.querySelectorAll('section[data-exercise]')].map(s => s.dataset.exercise)");
        Assert.Equal(NetLab.Cli.Exercises.Catalog.Ids, sections);

        // Every chart is there and drawn: an SVG with a size on the page and marks inside.
        var charts = await page.EvaluateExpressionAsync<string[]>("[...document.querySelectorAll('svg[data-chart]')].map(s => s.dataset.chart)");
        Assert.True(charts.Length >= 5, $"{charts.Length} charts: {string.Join(", ", charts)}");
        Assert.Equal(FullRunCharts.Order(), charts.Where(c => !c.Contains("-ladder-", StringComparison.Ordinal)).Order());

        // And the ladders of the exercises whose packets are the lesson (the wire), the lesson pointing at them.
        Assert.All(LadderExercises, id => Assert.Contains($"{id}-ladder-0", charts));
        Assert.Contains("The SYN, SYN-ACK, ACK in the ladder took one round trip", text, StringComparison.Ordinal);
        foreach (var chart in charts)
        {
            var drawn = await page.EvaluateExpressionAsync<double[]>($$"""
                (() => { const s = document.querySelector('svg[data-chart="{{chart}}"]'); const r = s.getBoundingClientRect();
                  return [r.width, r.height, s.querySelectorAll('path, rect, circle').length]; })()
                """);
            Assert.True(drawn[0] >= 300 && drawn[1] >= 120 && drawn[2] >= 3, $"{chart}: {drawn[0]}x{drawn[1]} px, {drawn[2]} marks");
        }

        Assert.Empty(lab.Browser.Errors);
        Assert.All(lab.Browser.Requests, url => Assert.True(url.StartsWith("file:", StringComparison.Ordinal) || url.StartsWith("data:", StringComparison.Ordinal), url));
        Assert.Contains(new Uri(lab.File).AbsoluteUri, lab.Browser.Requests);
    }

    [Theory]
    [InlineData(1280, 900)]
    [InlineData(390, 844)]
    public async Task The_page_fits_a_desktop_and_a_phone_without_scrolling_sideways(int width, int height)
    {
        var page = await lab.OpenAsync(width, height);

        var widths = await page.EvaluateExpressionAsync<int[]>("[window.innerWidth, document.documentElement.scrollWidth, document.body.scrollWidth]");
        Assert.Equal(width, widths[0]);
        Assert.True(widths[1] <= widths[0], $"at {width} px the page is {widths[1]} px wide");
        Assert.True(widths[2] <= widths[0], $"at {width} px the body is {widths[2]} px wide");

        // Each chart scales to the column it is in, and no element reaches past the window's right edge.
        var overflow = await page.EvaluateExpressionAsync<string[]>(
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5).map(e => e.tagName + '.' + (e.getAttribute('class') || '') + ' in ' + (e.closest('[data-chart]')?.dataset.chart ?? e.closest('section')?.id) + ' to ' + Math.round(e.getBoundingClientRect().right))");
        Assert.Empty(overflow);
        var chartWidths = await page.EvaluateExpressionAsync<double[]>("[...document.querySelectorAll('svg[data-chart]')].map(s => s.getBoundingClientRect().width)");
        Assert.All(chartWidths, w => Assert.InRange(w, 250, Math.Min(width, 640)));
        Assert.Empty(lab.Browser.Errors);
    }

    [Fact]
    public async Task A_copy_button_puts_its_command_on_the_clipboard_and_selects_it()
    {
        var page = await lab.OpenAsync(1280, 900);
        await page.BrowserContext.OverridePermissionsAsync("file://", [OverridePermission.ClipboardReadWrite]);

        const string button = "#udp .try button.copy";
        var command = await page.EvaluateExpressionAsync<string>($"document.querySelector('{button}').dataset.copy");
        Assert.StartsWith("nc -u 127.0.0.1 ", command);
        await page.ClickAsync(button);

        var said = "Copy";
        for (var i = 0; i < 100 && said == "Copy"; i++)
        {
            await Task.Delay(25); // the clipboard answers a promise; the button says what happened then
            said = await page.EvaluateExpressionAsync<string>($"document.querySelector('{button}').textContent");
        }

        Assert.Equal("Copied", said);
        Assert.Equal(command, await page.EvaluateExpressionAsync<string>("window.getSelection().toString()"));
        Assert.Equal(command, await page.EvaluateExpressionAsync<string>("navigator.clipboard.readText()"));
        Assert.Empty(lab.Browser.Errors);
    }
}

/// <summary>One full <c>netlab lab --report</c> run for the class, and a browser to open its page.</summary>
public sealed class LabReportPage : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("netlab-report-").FullName;

    public string File => Path.Combine(_folder, "lab.html");

    public NetlabRun Run { get; private set; } = null!;

    public Chromium Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Run = await Netlab.RunAsync("lab", "--report", File);
        Browser = await Chromium.LaunchAsync();
    }

    /// <summary>The report in a new tab, <paramref name="width"/> by <paramref name="height"/> CSS pixels.</summary>
    public async Task<IPage> OpenAsync(int width, int height)
    {
        Assert.True(System.IO.File.Exists(File), $"netlab lab wrote no report\n{Run.Out}\n{Run.Error}");
        var page = await Browser.NewPageAsync();
        await page.SetViewportAsync(new ViewPortOptions { Width = width, Height = height });
        await page.GoToAsync(new Uri(File).AbsoluteUri, new NavigationOptions { WaitUntil = [WaitUntilNavigation.Load] });
        return page;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        Directory.Delete(_folder, recursive: true);
    }
}
