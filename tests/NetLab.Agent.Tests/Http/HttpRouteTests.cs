using System.Text.Json;
using NetLab.Testing;

namespace NetLab.Agent.Tests.Http;

/// <summary>The tutorial's Flask pages and status codes, fetched with curl and wget as the tutorial does.</summary>
public class HttpRouteTests(AgentFixture fixture) : IClassFixture<AgentFixture>
{
    private TestAgent Agent => fixture.Agent;

    [Fact]
    public async Task Hello_World_index_and_a_name_from_the_URL()
    {
        var root = await Curl.GetAsync($"{Agent.HttpUrl}/");
        Assert.Equal((200, "Hello World!\n"), (root.Status, root.Body));

        var index = await Curl.GetAsync($"{Agent.HttpUrl}/index");
        Assert.Equal(200, index.Status);
        Assert.StartsWith("text/html", index.Header("Content-Type"));
        Assert.Contains("<h1>Hello World</h1>", index.Body);

        var adam = await Curl.GetAsync($"{Agent.HttpUrl}/index/Adam");
        Assert.Contains("<h1>Hello, Adam!</h1>", adam.Body);

        var script = await Curl.GetAsync($"{Agent.HttpUrl}/index/%3Cscript%3E");
        Assert.Contains("Hello, &lt;script&gt;!", script.Body);
    }

    [Theory]
    [InlineData("json", "application/json", "\"service\":\"ssh\"")]
    [InlineData("csv", "text/csv", "22,tcp,ssh\n")]
    [InlineData("xml", "application/xml", "<port number=\"22\" protocol=\"tcp\" service=\"ssh\" />")]
    public async Task Data_comes_in_the_format_asked_for(string format, string contentType, string excerpt)
    {
        var response = await Curl.GetAsync($"{Agent.HttpUrl}/data?format={format}");
        Assert.Equal(200, response.Status);
        Assert.StartsWith(contentType, response.Header("Content-Type"));
        Assert.Contains(excerpt, response.Body);
    }

    [Fact]
    public async Task An_unknown_data_format_is_a_400_that_lists_the_valid_ones()
    {
        var response = await Curl.GetAsync($"{Agent.HttpUrl}/data?format=idontknow");
        Assert.Equal(400, response.Status);
        Assert.Contains("unknown format 'idontknow'", response.Body);
        Assert.Contains("json, csv, xml", response.Body);
    }

    [Theory]
    [InlineData(200)]
    [InlineData(201)]
    [InlineData(404)]
    [InlineData(418)]
    [InlineData(500)]
    [InlineData(503)]
    [InlineData(599)]
    public async Task Status_answers_the_code_asked_for(int code)
    {
        var response = await Curl.GetAsync($"{Agent.HttpUrl}/status/{code}");
        Assert.Equal(code, response.Status);
    }

    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(307)]
    public async Task A_3xx_status_carries_a_Location(int code)
    {
        var response = await Curl.GetAsync($"{Agent.HttpUrl}/status/{code}");
        Assert.Equal(code, response.Status);
        Assert.Equal("/", response.Header("Location"));
    }

    [Fact]
    public async Task An_informational_status_is_explained_not_sent_as_final()
    {
        var response = await Curl.GetAsync($"{Agent.HttpUrl}/status/100");
        Assert.Equal(200, response.Status);
        Assert.Contains("100 Continue is informational", response.Body);
    }

    [Theory]
    [InlineData("99")]
    [InlineData("600")]
    [InlineData("teapot")]
    public async Task A_status_outside_100_to_599_is_a_400(string code)
    {
        var response = await Curl.GetAsync($"{Agent.HttpUrl}/status/{code}");
        Assert.Equal(400, response.Status);
        Assert.Contains("100-599", response.Body);
    }

    [Fact]
    public async Task Redirect_is_a_301_to_root_that_curl_L_follows()
    {
        var response = await Curl.GetAsync($"{Agent.HttpUrl}/redirect");
        Assert.Equal(301, response.Status);
        Assert.Equal("/", response.Header("Location"));

        var followed = await Curl.GetAsync($"{Agent.HttpUrl}/redirect", "-L");
        Assert.Equal((200, "Hello World!\n"), (followed.Status, followed.Body));
    }

    [Fact]
    public async Task Unknown_paths_are_404_with_a_hint()
    {
        var response = await Curl.GetAsync($"{Agent.HttpUrl}/no/such/page");
        Assert.Equal(404, response.Status);
        Assert.Contains("Try /, /index", response.Body);
    }

    [Fact]
    public async Task Ip_and_headers_show_what_the_agent_saw()
    {
        var ip = JsonDocument.Parse((await Curl.GetAsync($"{Agent.HttpUrl}/ip")).Body).RootElement;
        Assert.Equal("127.0.0.1", ip.GetProperty("origin").GetString());
        Assert.True(ip.GetProperty("port").GetInt32() > 0);

        var headers = JsonDocument.Parse((await Curl.GetAsync($"{Agent.HttpUrl}/headers", "-H", "X-Lab: yes")).Body).RootElement;
        Assert.Equal("yes", headers.GetProperty("headers").GetProperty("X-Lab").GetString());
        Assert.StartsWith("curl/", headers.GetProperty("headers").GetProperty("User-Agent").GetString());
    }

    [Fact]
    public async Task Bytes_sends_exactly_n_and_refuses_too_many()
    {
        var response = await Curl.GetAsync($"{Agent.HttpUrl}/bytes/100000");
        Assert.Equal(200, response.Status);
        Assert.Equal(100_000, response.Body.Length);

        var tooMany = await Curl.GetAsync($"{Agent.HttpUrl}/bytes/99999999999");
        Assert.Equal(400, tooMany.Status);
    }

    [Fact]
    public async Task Health_and_cert_describe_the_agent()
    {
        var health = JsonDocument.Parse((await Curl.GetAsync($"{Agent.HttpUrl}/health")).Body).RootElement;
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal(Agent.Host.Fingerprint, health.GetProperty("fingerprint").GetString());

        var cert = await Curl.GetAsync($"{Agent.HttpUrl}/cert");
        Assert.Contains($"SHA-256 fingerprint: {Agent.Host.Fingerprint}", cert.Body);
        Assert.Contains("-----BEGIN CERTIFICATE-----", cert.Body);
    }

    [Fact]
    public async Task Curl_k_over_HTTPS_negotiates_HTTP2_and_HTTP1()
    {
        var h2 = await Curl.GetAsync($"{Agent.HttpsUrl}/data?format=csv", "-k");
        Assert.Equal((200, "2"), (h2.Status, h2.HttpVersion));
        Assert.Contains("11211,tcp+udp,netlab-agent", h2.Body);

        var h1 = await Curl.GetAsync($"{Agent.HttpsUrl}/index/Adam", "-k", "--http1.1");
        Assert.Equal((200, "1.1"), (h1.Status, h1.HttpVersion));
        Assert.Contains("Hello, Adam!", h1.Body);
    }

    [Fact]
    public async Task Curl_without_k_refuses_the_self_signed_certificate()
    {
        var curl = await Tool.RunAsync("curl", ["-sS", $"{Agent.HttpsUrl}/"]);
        curl.AssertExit(60); // CURLE_PEER_FAILED_VERIFICATION: the lesson of pinning
    }

    [Fact]
    public async Task Wget_downloads_over_HTTP_and_HTTPS()
    {
        var file = Path.GetTempFileName();
        try
        {
            var wget = await Tool.RunAsync("wget", ["-q", "-O", file, $"{Agent.HttpUrl}/index"]);
            wget.AssertExit(0);
            Assert.Contains("<h1>Hello World</h1>", await File.ReadAllTextAsync(file));

            wget = await Tool.RunAsync("wget", ["-q", "--no-check-certificate", "-O", file, $"{Agent.HttpsUrl}/"]);
            wget.AssertExit(0);
            Assert.Equal("Hello World!\n", await File.ReadAllTextAsync(file));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
