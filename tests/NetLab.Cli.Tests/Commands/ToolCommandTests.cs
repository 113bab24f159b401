using NetLab.Testing;
using NetLab.Cli.Tests.Support;

namespace NetLab.Cli.Tests.Commands;

/// <summary>info, http and tls: what they print, and their JSON.</summary>
public sealed class ToolCommandTests(AgentFixture fixture) : IClassFixture<AgentFixture>, IDisposable
{
    private readonly string _pins = Path.Combine(Directory.CreateTempSubdirectory("netlab-pins-").FullName, "known_hosts");

    private TestAgent Agent => fixture.Agent;

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_pins)!, recursive: true);

    [Fact]
    public async Task Info_lists_hostname_interfaces_gateway_and_dns_and_resolves()
    {
        var run = await Netlab.RunAsync("info", "--resolve", "localhost", "--json");
        run.AssertExit(0);
        var json = run.Json;
        Assert.Equal("netlab.info/1", json.GetProperty("schema").GetString());
        Assert.Equal(System.Net.Dns.GetHostName(), json.GetProperty("hostname").GetString());
        var lo = json.GetProperty("interfaces").EnumerateArray().Single(i => i.GetProperty("name").GetString() == "lo");
        Assert.Contains("127.0.0.1", lo.GetProperty("ipv4").EnumerateArray().Select(a => a.GetString()));
        Assert.Contains("127.0.0.1", json.GetProperty("resolve").GetProperty("addresses").EnumerateArray().Select(a => a.GetString()));

        var text = await Netlab.RunAsync("info");
        Assert.Contains("interface    lo (", text.Out);
        Assert.Contains("  inet       127.0.0.1", text.Out);
        Assert.Contains("DNS servers", text.Out);
    }

    [Fact]
    public async Task Info_with_a_name_that_does_not_resolve_says_so()
    {
        var run = await Netlab.RunAsync("info", "--resolve", "no-such-host.invalid");
        run.AssertExit(2);
        Assert.Contains("cannot resolve no-such-host.invalid", run.Out);
    }

    [Fact]
    public async Task Http_prints_the_body_and_raw_shows_both_sides()
    {
        var body = await Netlab.RunAsync("http", $"{Agent.HttpUrl}/index/Adam");
        body.AssertExit(0);
        Assert.Contains("<h1>Hello, Adam!</h1>", body.Out);

        var raw = await Netlab.RunAsync("http", $"{Agent.HttpUrl}/redirect", "--raw");
        Assert.Contains("> GET /redirect HTTP/1.1", raw.Out);
        Assert.Contains($"> Host: 127.0.0.1:{Agent.Port}", raw.Out);
        Assert.Contains("HTTP/1.1 301 Moved Permanently", raw.Out);
        Assert.Contains("Location: /", raw.Out);
    }

    [Fact]
    public async Task Http_always_says_the_status_and_a_redirect_s_location_on_stderr()
    {
        var redirect = await Netlab.RunAsync("http", $"{Agent.HttpUrl}/redirect");
        redirect.AssertExit(0);
        Assert.Equal(["HTTP/1.1 301 Moved Permanently", "Location: /"], redirect.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal("", redirect.Out); // a 301's body is empty: stdout stays the body, for scripts

        var page = await Netlab.RunAsync("http", $"{Agent.HttpUrl}/");
        Assert.Equal("HTTP/1.1 200 OK", page.Error.Trim());
        Assert.Equal("Hello World!\n", page.Out);

        // The real process, as a student runs it in a terminal: both show.
        await using var netlab = Netlab.Start("http", $"{Agent.HttpUrl}/redirect");
        await netlab.WaitForExitAsync(30);
        netlab.AssertExit(0);
        Assert.Contains("301 Moved Permanently", netlab.Stderr);
        Assert.Contains("Location: /", netlab.Stderr);
    }

    [Fact]
    public async Task Https_raw_shows_the_certificate_first()
    {
        var raw = await Netlab.RunAsync("http", $"{Agent.HttpsUrl}/data?format=csv", "--raw");
        raw.AssertExit(0);
        Assert.StartsWith($"* TLS TLS 1.3", raw.Out);
        Assert.Contains(Agent.Host.Fingerprint, raw.Out.Split('\n')[0]);
        Assert.Contains("22,tcp,ssh", raw.Out);

        var json = await Netlab.RunAsync("http", $"{Agent.HttpsUrl}/status/418", "--json");
        Assert.Equal(418, json.Json.GetProperty("status").GetInt32());
        Assert.Equal(Agent.Host.Fingerprint, json.Json.GetProperty("tls").GetProperty("fingerprint").GetString());
    }

    [Fact]
    public async Task Http_to_a_non_http_peer_or_a_bad_url_is_explained()
    {
        var bad = await Netlab.RunAsync("http", "ftp://example.invalid/");
        bad.AssertExit(2);
        Assert.Contains("is not an http:// or https:// URL", bad.Error);

        var refused = await Netlab.RunAsync("http", $"http://127.0.0.1:{Netlab.FreePort()}/");
        refused.AssertExit(2);
        Assert.Contains("Connection refused", refused.Error);
    }

    [Fact]
    public async Task Tls_shows_the_handshake_and_pins_on_first_use()
    {
        var first = await Netlab.RunAsync("tls", $"127.0.0.1:{Agent.Port}", "--known-hosts", _pins);
        first.AssertExit(0);
        Assert.Contains("version      TLS 1.3", first.Out);
        Assert.Contains("ALPN         h2", first.Out);
        Assert.Contains("(self-signed)", first.Out);
        Assert.Contains($"SHA-256      {Agent.Host.Fingerprint}", first.Out);
        Assert.Contains("pinned now (first use)", first.Out);

        var second = await Netlab.RunAsync("tls", $"127.0.0.1:{Agent.Port}", "--known-hosts", _pins, "--json");
        Assert.Equal("matches", second.Json.GetProperty("pin").GetString());
        Assert.Equal(Agent.Host.Fingerprint, second.Json.GetProperty("fingerprint").GetString());
    }

    [Fact]
    public async Task Tls_with_a_changed_certificate_exits_1_showing_both()
    {
        var stale = string.Join(':', Enumerable.Repeat("CD", 32));
        await File.WriteAllTextAsync(_pins, $"127.0.0.1:{Agent.Port} {stale}\n");
        var run = await Netlab.RunAsync("tls", $"127.0.0.1:{Agent.Port}", "--known-hosts", _pins);
        run.AssertExit(1);
        Assert.Contains("certificate changed!", run.Error);
        Assert.Contains(stale, run.Error);
        Assert.Contains(Agent.Host.Fingerprint, run.Error);
    }
}
