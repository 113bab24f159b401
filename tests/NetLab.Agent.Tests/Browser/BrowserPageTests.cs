using System.Security.Cryptography;
using NetLab.Testing;
using NetLab.Agent.Tests.Internet;
using PuppeteerSharp;

namespace NetLab.Agent.Tests.Browser;

/// <summary>
/// The tutorial's pages in a real browser (headless Chromium), on the two URLs the lab gives browsers: the web port
/// (<c>--web-port</c>, plain HTTP where the client speaks first) and HTTPS on the lab port (TLS speaks first).
/// </summary>
[Collection(Alone.Name)] // a browser is a dozen processes, and the preconnect cases time silences: alone, as the classroom
[Trait("Loop", "Slow")] // a browser (Chromium)
public class BrowserPageTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    public static TheoryData<string> Sites => new() { "web", "https" };

    private static readonly string[] BothSites = ["web", "https"];

    private TestAgent Agent => fixture.Agent;

    private Chromium Chromium => fixture.Chromium;

    private string Base(string site) => site == "web" ? Agent.WebUrl : Agent.HttpsUrl;

    [Theory]
    [MemberData(nameof(Sites))]
    public async Task Every_page_and_text_route_renders(string site)
    {
        var errors = Chromium.Errors.Count;
        await using var page = await Chromium.NewPageAsync();
        string[][] routes =
        [
            ["/", "Hello World!"],
            ["/index", "Hello World"],
            ["/index/Adam", "Hello, Adam!"],
            ["/data?format=json", "\"service\":\"ssh\""],
            ["/data?format=csv", "22,tcp,ssh"],
            ["/data?format=xml", "<port number=\"22\" protocol=\"tcp\" service=\"ssh\"/>"],
        ];
        foreach (var route in routes)
        {
            var response = await page.GoToAsync(Base(site) + route[0]);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.Status);
            var text = route[0].Contains("xml", StringComparison.Ordinal)
                ? await page.EvaluateExpressionAsync<string>("new XMLSerializer().serializeToString(document)")
                : await Chromium.TextAsync(page);
            Assert.Contains(route[1], text);
        }

        // An error status still shows its body, the lesson's words.
        var notFound = await page.GoToAsync(Base(site) + "/status/404");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, notFound.Status);
        Assert.Contains("404", await Chromium.TextAsync(page));

        // The 301 is followed back to /.
        var redirected = await page.GoToAsync(Base(site) + "/redirect");
        Assert.Equal(System.Net.HttpStatusCode.OK, redirected.Status);
        Assert.Equal(Base(site) + "/", page.Url);
        Assert.Contains("Hello World!", await Chromium.TextAsync(page));
        Assert.Contains(redirected.Request.RedirectChain, r => r.Url == Base(site) + "/redirect");

        AssertNoConsoleErrors(errors, expected: Base(site) + "/status/404");
    }

    [Theory]
    [MemberData(nameof(Sites))]
    public async Task A_link_on_the_index_leads_to_its_page(string site)
    {
        var errors = Chromium.Errors.Count;
        await using var page = await Chromium.NewPageAsync();
        await page.GoToAsync(Base(site) + "/index");
        await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync("a[href='/index/Adam']"));
        Assert.Equal(Base(site) + "/index/Adam", page.Url);
        Assert.Contains("Hello, Adam!", await Chromium.TextAsync(page));
        AssertNoConsoleErrors(errors);
    }

    [Theory]
    [MemberData(nameof(Sites))]
    public async Task A_stored_file_downloads_with_the_same_SHA_256(string site)
    {
        var name = $"browser-{site}-{Guid.NewGuid():N}.bin";
        var bytes = RandomNumberGenerator.GetBytes(300_000);
        await File.WriteAllBytesAsync(Path.Combine(Agent.FilesDir, name), bytes);
        var errors = Chromium.Errors.Count;
        await using var page = await Chromium.NewPageAsync();
        await page.GoToAsync(Base(site) + "/index");

        // A link to the file, clicked, as a student clicks one on a page.
        await page.EvaluateExpressionAsync($"(() => {{ const a = document.createElement('a'); a.href = '/files/{name}'; a.download = ''; a.id = 'file'; a.textContent = 'file'; document.body.appendChild(a); }})()");
        await page.ClickAsync("#file");
        var saved = Path.Combine(Chromium.Downloads, name);
        await Eventually.UntilAsync(() => File.Exists(saved) && new FileInfo(saved).Length == bytes.Length, $"the download of {name} into {Chromium.Downloads}", TimeSpan.FromSeconds(20));
        Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(await File.ReadAllBytesAsync(saved)));
        AssertNoConsoleErrors(errors);
    }

    [Theory]
    [MemberData(nameof(Sites))]
    public async Task Basic_auth_with_the_credentials_given_gets_200(string site)
    {
        var errors = Chromium.Errors.Count;
        await using var page = await Chromium.NewPageAsync();
        await page.AuthenticateAsync(new Credentials { Username = "student", Password = "s3cret" });
        var response = await page.GoToAsync(Base(site) + "/basic-auth/student/s3cret");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.Status);
        Assert.Contains("student", await Chromium.TextAsync(page));
        AssertNoConsoleErrors(errors);
    }

    [Fact]
    public async Task A_page_left_open_for_30_s_then_a_link_clicked_on_either_site()
    {
        var errors = Chromium.Errors.Count;
        await Task.WhenAll(BothSites.Select(async site =>
        {
            await using var page = await Chromium.NewPageAsync();
            await page.GoToAsync(Base(site) + "/index");
            await Task.Delay(TimeSpan.FromSeconds(30));
            await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync("a[href='/data?format=csv']"));
            Assert.Contains("22,tcp,ssh", await Chromium.TextAsync(page));
        }));
        AssertNoConsoleErrors(errors);
    }

    /// <summary>No console error or page error since <paramref name="before"/>; a page that is an error status on purpose may log its own load.</summary>
    private void AssertNoConsoleErrors(int before, string? expected = null)
    {
        var errors = Chromium.Errors.Skip(before)
            .Where(e => expected is null || !(e.Contains("status of 404", StringComparison.Ordinal) && e.Contains(expected, StringComparison.Ordinal)))
            .ToList();
        Assert.True(errors.Count == 0, "console errors:\n" + string.Join("\n", errors));
    }
}

