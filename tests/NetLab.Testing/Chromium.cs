using System.Collections.Concurrent;
using PuppeteerSharp;

namespace NetLab.Testing;

/// <summary>
/// A real browser for the tests: Debian's headless Chromium (/usr/bin/chromium, which ./test.sh installs), driven
/// over the DevTools protocol by PuppeteerSharp. Nothing downloads a browser: a missing one fails the test and says
/// how to install it. The browser records what every page it opens did: console errors, uncaught exceptions, and
/// every URL it asked for (so a test can say nothing left loopback).
/// </summary>
public sealed class Chromium : IAsyncDisposable
{
    private readonly string _profile;
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly ConcurrentQueue<string> _requests = new();

    private Chromium(IBrowser browser, string profile, string downloads)
    {
        Browser = browser;
        _profile = profile;
        Downloads = downloads;
    }

    public IBrowser Browser { get; }

    /// <summary>Where downloads land.</summary>
    public string Downloads { get; }

    /// <summary>Console errors and uncaught page errors, on every page this browser opened.</summary>
    public IReadOnlyCollection<string> Errors => _errors;

    /// <summary>Every URL a page asked for, in order.</summary>
    public IReadOnlyCollection<string> Requests => _requests;

    /// <summary>The browser's path, or an exception that says how to get it.</summary>
    public static string Require()
    {
        const string path = "/usr/bin/chromium";
        return File.Exists(path) ? path : throw new InvalidOperationException(
            $"{path} is not installed, and this test drives a real browser. Run ./test.sh, which installs Debian's chromium " +
            "(scripts/install-tools.sh), or apt-get install chromium. Nothing downloads a browser.");
    }

    /// <summary>
    /// Starts headless Chromium with a new, empty profile. Its background services are off (updates, sync, safe
    /// browsing, metrics), so the only connections it makes are to the pages a test opens; host names other than
    /// localhost resolve to nothing. <paramref name="args"/> adds switches (e.g. the SPKI hash of a certificate to accept).
    /// </summary>
    public static async Task<Chromium> LaunchAsync(params string[] args)
    {
        var executable = Require();
        var profile = Directory.CreateTempSubdirectory("netlab-chromium-").FullName;
        var downloads = Directory.CreateDirectory(Path.Combine(profile, "downloads")).FullName;
        try
        {
            var browser = await Puppeteer.LaunchAsync(new LaunchOptions
            {
                ExecutablePath = executable,
                Headless = true,
                UserDataDir = Path.Combine(profile, "profile"),
                Timeout = 60_000,
                DownloadBehavior = new DownloadBehavior { Policy = DownloadPolicy.Allow, DownloadPath = downloads },
                Args =
                [
                    "--no-sandbox", // the tests run as root
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-domain-reliability",
                    "--disable-features=OptimizationHints,MediaRouter,Translate",
                    // PuppeteerSharp joins the switches into one command line: a value with spaces is quoted.
                    "--host-resolver-rules=\"MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1\"",
                    .. args,
                ],
            });
            return new Chromium(browser, profile, downloads);
        }
        catch
        {
            Directory.Delete(profile, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// A new tab whose console errors, page errors and requests this browser records; in <paramref name="context"/>
    /// when given (a context of its own has its own connections: nothing reused from another tab's visits).
    /// </summary>
    public async Task<IPage> NewPageAsync(IBrowserContext? context = null)
    {
        var page = context is null ? await Browser.NewPageAsync() : await context.NewPageAsync();
        page.Console += (_, e) =>
        {
            if (e.Message.Type == ConsoleType.Error)
            {
                _errors.Enqueue($"console: {e.Message.Text} ({e.Message.Location?.URL})");
            }
        };
        page.PageError += (_, e) => _errors.Enqueue($"page error: {e.Message}");
        page.Request += (_, e) => _requests.Enqueue(e.Request.Url);
        return page;
    }

    /// <summary>The page's visible text.</summary>
    public static Task<string> TextAsync(IPage page) => page.EvaluateExpressionAsync<string>("document.body ? document.body.innerText : ''");

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Browser.CloseAsync();
        }
        finally
        {
            await Browser.DisposeAsync();
            for (var attempt = 0; attempt < 5; attempt++)
            {
                try
                {
                    Directory.Delete(_profile, recursive: true);
                    break;
                }
                catch (IOException)
                {
                    await Task.Delay(200); // the browser's last writes
                }
            }
        }
    }
}
