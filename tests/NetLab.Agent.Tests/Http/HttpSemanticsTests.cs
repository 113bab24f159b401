using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using NetLab.Testing;

namespace NetLab.Agent.Tests.Http;

/// <summary>
/// HTTP as a real server does it, checked with the real clients: HEAD and OPTIONS on every GET route, 405 with
/// Allow, ranges, resumed downloads, conditional requests, DELETE, the request lines a server must still read,
/// and a plain-text body for every error the agent makes.
/// </summary>
public sealed class HttpSemanticsTests(AgentFixture fixture) : IClassFixture<AgentFixture>, IDisposable
{
    private readonly ScratchDir _scratch = new();

    private TestAgent Agent => fixture.Agent;

    public void Dispose() => _scratch.Dispose();

    [Theory]
    [InlineData("/", 200)]
    [InlineData("/index", 200)]
    [InlineData("/index/Adam", 200)]
    [InlineData("/data?format=csv", 200)]
    [InlineData("/data?format=idontknow", 400)]
    [InlineData("/status/418", 418)]
    [InlineData("/redirect", 301)]
    [InlineData("/ip", 200)]
    [InlineData("/headers", 200)]
    [InlineData("/bytes/100", 200)]
    [InlineData("/delay/0", 200)]
    [InlineData("/basic-auth/user/passwd", 401)]
    [InlineData("/files", 200)]
    [InlineData("/cert", 200)]
    [InlineData("/health", 200)]
    public async Task Curl_I_answers_every_route_as_GET_does_without_the_body(string path, int status)
    {
        var get = await Curl.GetAsync($"{Agent.HttpUrl}{path}");
        var head = await Curl.GetAsync($"{Agent.HttpUrl}{path}", "-I", "-o", "/dev/null");
        Assert.Equal(status, get.Status);
        Assert.Equal(status, head.Status);
        Assert.Equal(get.Header("Content-Type"), head.Header("Content-Type"));
        Assert.Equal(get.Header("Location"), head.Header("Location"));
        if (path is not ("/ip" or "/headers" or "/health"))
        {
            Assert.Equal(get.Header("Content-Length"), head.Header("Content-Length")); // those three describe the request itself
        }
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/bytes/5000")]
    [InlineData("/status/404")]
    public async Task HEAD_sends_the_headers_and_no_body(string path)
    {
        await using var client = await RawClient.ConnectAsync(Agent.Port);
        await client.SendAsync($"HEAD {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        var answer = await client.ReadToEndAsync();
        Assert.Contains("Content-Length: ", answer);
        Assert.EndsWith("\r\n\r\n", answer); // nothing after the blank line that ends the headers
    }

    [Fact]
    public async Task Wget_spider_finds_the_pages()
    {
        var wget = await Tool.RunAsync("wget", ["--spider", $"{Agent.HttpUrl}/index"]);
        wget.AssertExit(0);
        Assert.Contains("Remote file exists", wget.Stderr);
    }

    [Theory]
    [InlineData("POST", "/", "GET, HEAD, OPTIONS")]
    [InlineData("DELETE", "/index", "GET, HEAD, OPTIONS")]
    [InlineData("PATCH", "/files/x", "DELETE, GET, HEAD, OPTIONS, PUT")]
    public async Task A_wrong_method_on_a_known_path_is_405_with_Allow_and_an_explanation(string method, string path, string allow)
    {
        var response = await Curl.GetAsync($"{Agent.HttpUrl}{path}", "-X", method);
        Assert.Equal(405, response.Status);
        Assert.Equal(allow, response.Header("Allow"));
        Assert.StartsWith($"405 Method Not Allowed: {path} answers {allow}, not {method}.", response.Body);
    }

    [Fact]
    public async Task OPTIONS_says_what_a_route_allows_and_unknown_paths_keep_the_helpful_404()
    {
        var options = await Curl.GetAsync($"{Agent.HttpUrl}/index/Adam", "-X", "OPTIONS");
        Assert.Equal(200, options.Status);
        Assert.Equal("GET, HEAD, OPTIONS", options.Header("Allow"));

        var missing = await Curl.GetAsync($"{Agent.HttpUrl}/no/such/page", "-X", "POST");
        Assert.Equal(404, missing.Status);
        Assert.StartsWith("404 Not Found: nothing at /no/such/page. Try /, /index", missing.Body);
    }

    [Fact]
    public async Task Ranges_give_206_with_the_right_bytes_and_416_past_the_end()
    {
        var (file, _) = _scratch.RandomFile("ranged.bin", 10_000, seed: 5);
        Assert.Equal(201, (await Curl.GetAsync($"{Agent.HttpUrl}/files/ranged.bin", "-T", file)).Status);
        var bytes = await File.ReadAllBytesAsync(file);

        var part = await Curl.GetAsync($"{Agent.HttpUrl}/files/ranged.bin", "-r", "0-99");
        Assert.Equal(206, part.Status);
        Assert.Equal("bytes 0-99/10000", part.Header("Content-Range"));
        Assert.Equal("bytes", part.Header("Accept-Ranges"));
        Assert.Equal(bytes[..100], part.BodyBytes);

        var tail = await Curl.GetAsync($"{Agent.HttpUrl}/files/ranged.bin", "-r", "9990-");
        Assert.Equal(bytes[9990..], tail.BodyBytes);

        var past = await Curl.GetAsync($"{Agent.HttpUrl}/files/ranged.bin", "-r", "999999-");
        Assert.Equal(416, past.Status);
        Assert.Equal("bytes */10000", past.Header("Content-Range"));
        Assert.StartsWith("416 Range Not Satisfiable: the range asked for (bytes=999999-) is not inside the file", past.Body);
    }

    [Fact]
    public async Task An_interrupted_download_resumes_byte_identical_with_curl_C_and_wget_c()
    {
        var (file, sha) = _scratch.RandomFile("resumed.bin", 300_000, seed: 6);
        Assert.Equal(201, (await Curl.GetAsync($"{Agent.HttpUrl}/files/resumed.bin", "-T", file)).Status);
        var bytes = await File.ReadAllBytesAsync(file);

        // What an interrupted download leaves: the first 123,456 bytes.
        var byCurl = Path.Combine(_scratch.Path, "curl.part");
        await File.WriteAllBytesAsync(byCurl, bytes[..123_456]);
        (await Tool.RunAsync("curl", ["-sS", "-C", "-", "-o", byCurl, $"{Agent.HttpUrl}/files/resumed.bin"])).AssertExit(0);
        Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(byCurl))));

        var byWget = Path.Combine(_scratch.Path, "wget.part");
        await File.WriteAllBytesAsync(byWget, bytes[..77_777]);
        var wget = await Tool.RunAsync("wget", ["-c", "-O", byWget, $"{Agent.HttpUrl}/files/resumed.bin"]);
        wget.AssertExit(0);
        Assert.Contains("206 Partial Content", wget.Stderr);
        Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(byWget))));
    }

    [Fact]
    public async Task Conditional_requests_get_304_and_If_Range_falls_back_to_the_whole_file()
    {
        var (file, _) = _scratch.RandomFile("conditional.bin", 2_000, seed: 7);
        Assert.Equal(201, (await Curl.GetAsync($"{Agent.HttpUrl}/files/conditional.bin", "-T", file)).Status);
        var first = await Curl.GetAsync($"{Agent.HttpUrl}/files/conditional.bin");
        var etag = first.Header("ETag")!;
        var modified = first.Header("Last-Modified")!;

        Assert.Equal(304, (await Curl.GetAsync($"{Agent.HttpUrl}/files/conditional.bin", "-H", $"If-None-Match: {etag}")).Status);
        Assert.Equal(304, (await Curl.GetAsync($"{Agent.HttpUrl}/files/conditional.bin", "-z", modified)).Status);
        Assert.Equal(206, (await Curl.GetAsync($"{Agent.HttpUrl}/files/conditional.bin", "-r", "0-9", "-H", $"If-Range: {etag}")).Status);
        Assert.Equal(200, (await Curl.GetAsync($"{Agent.HttpUrl}/files/conditional.bin", "-r", "0-9", "-H", "If-Range: \"stale\"")).Status);
    }

    [Fact]
    public async Task Deleting_your_own_file_makes_it_404()
    {
        var (file, _) = _scratch.RandomFile("doomed.bin", 100);
        Assert.Equal(201, (await Curl.GetAsync($"{Agent.HttpUrl}/files/doomed.bin", "-T", file)).Status);
        var delete = await Curl.GetAsync($"{Agent.HttpUrl}/files/doomed.bin", "-X", "DELETE");
        Assert.Equal(200, delete.Status);
        Assert.Equal("deleted doomed.bin\n", delete.Body);
        Assert.Equal(404, (await Curl.GetAsync($"{Agent.HttpUrl}/files/doomed.bin")).Status);
        Assert.Equal(404, (await Curl.GetAsync($"{Agent.HttpUrl}/files/doomed.bin", "-X", "DELETE")).Status);
    }

    [Fact]
    public async Task A_9_KB_request_line_is_414_with_an_explanation_never_the_banner()
    {
        await using var client = await RawClient.ConnectAsync(Agent.Port);
        await client.SendAsync($"GET /{new string('a', 9 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n");
        var answer = await client.ReadToEndAsync();
        Assert.StartsWith("HTTP/1.1 414 URI Too Long\r\n", answer);
        Assert.Contains("414 URI Too Long: the request line is over the server's limit of 8 KB", answer);
        Assert.DoesNotContain("Successfully Connected", answer);
    }

    [Fact]
    public async Task Telnet_typing_an_ordinary_line_then_a_request_gets_200()
    {
        var telnet = await Tool.ShellAsync($"(sleep 1.5; printf 'hello there\\nGET /index/Adam HTTP/1.1\\nHost: x\\n\\n'; sleep 1) | telnet 127.0.0.1 {Agent.Port}");
        Assert.Contains("What?", telnet.Stdout);
        Assert.Contains("HTTP/1.1 200 OK", telnet.Stdout);
        Assert.Contains("Hello, Adam!", telnet.Stdout);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n\r\n", "400 Bad Request: an HTTP/1.1 request needs a Host header.")]
    [InlineData("get / HTTP/1.1\r\nHost: x\r\n\r\n", "400 Bad Request: HTTP methods are case-sensitive: type GET")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n\r\nq\r\n", "400 Bad Request: \"q\" is not an HTTP request (METHOD /path HTTP/1.1). Once HTTP has answered, this connection speaks HTTP only")]
    public async Task Requests_a_server_refuses_get_a_400_that_says_why(string request, string why)
    {
        await using var client = await RawClient.ConnectAsync(Agent.Port);
        await client.SendAsync(request);
        var answer = await client.ReadToEndAsync();
        Assert.Contains("HTTP/1.1 400 Bad Request\r\n", answer);
        Assert.Contains(why, answer);
    }

    [Fact]
    public async Task Headers_over_32_KB_are_431_with_an_explanation()
    {
        var header = new string('z', 40 * 1024);
        await using var client = await RawClient.ConnectAsync(Agent.Port);
        await client.SendAsync($"GET / HTTP/1.1\r\nHost: x\r\nX-Big: {header}\r\n\r\n");
        var answer = await client.ReadToEndAsync();
        Assert.StartsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n", answer);
        Assert.Contains("431 Request Header Fields Too Large: the request's headers are over the server's limit of 32 KB", answer);
    }

    [Fact]
    public async Task Status_answers_every_RFC_9110_code_with_its_reason_phrase()
    {
        int[] codes = [200, 201, 202, 203, 204, 205, 206, 300, 301, 302, 303, 304, 305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410,
            411, 412, 413, 414, 415, 416, 417, 421, 422, 426, 500, 501, 502, 503, 504, 505];
        foreach (var code in codes)
        {
            var response = await Curl.GetAsync($"{Agent.HttpUrl}/status/{code}");
            Assert.Equal(code, response.Status);
            if (code is not (204 or 205 or 304))
            {
                Assert.Equal($"{code} {ReasonPhrases.GetReasonPhrase(code)}\n", response.Body);
            }
        }

        Assert.Equal("Basic realm=\"netlab\"", (await Curl.GetAsync($"{Agent.HttpUrl}/status/401")).Header("WWW-Authenticate"));
        Assert.NotNull((await Curl.GetAsync($"{Agent.HttpUrl}/status/405")).Header("Allow"));
        Assert.NotNull((await Curl.GetAsync($"{Agent.HttpUrl}/status/426")).Header("Upgrade"));
    }

    [Fact]
    public async Task Basic_auth_is_401_with_WWW_Authenticate_then_200_with_the_credentials()
    {
        var without = await Curl.GetAsync($"{Agent.HttpUrl}/basic-auth/ada/lovelace");
        Assert.Equal(401, without.Status);
        Assert.StartsWith("Basic realm=\"netlab\"", without.Header("WWW-Authenticate"));
        Assert.Contains("curl -u ada:lovelace", without.Body);

        var wrong = await Curl.GetAsync($"{Agent.HttpUrl}/basic-auth/ada/lovelace", "-u", "ada:babbage");
        Assert.Equal(401, wrong.Status);

        var with = await Curl.GetAsync($"{Agent.HttpUrl}/basic-auth/ada/lovelace", "-u", "ada:lovelace");
        Assert.Equal(200, with.Status);
        Assert.Equal("{\"authenticated\":true,\"user\":\"ada\"}", with.Body);
    }

    [Fact]
    public async Task Delay_is_bounded_and_lets_a_client_time_out()
    {
        Assert.Equal(400, (await Curl.GetAsync($"{Agent.HttpUrl}/delay/11")).Status);
        var impatient = await Tool.RunAsync("curl", ["-sS", "-m", "1", $"{Agent.HttpUrl}/delay/3"]);
        impatient.AssertExit(28); // curl's "operation timed out"
        var patient = await Curl.GetAsync($"{Agent.HttpUrl}/delay/0.2");
        Assert.Equal(200, patient.Status);
    }

    [Fact]
    public async Task The_same_over_HTTP2()
    {
        var (file, _) = _scratch.RandomFile("h2.bin", 5_000, seed: 8);
        Assert.Equal(201, (await Curl.GetAsync($"{Agent.HttpUrl}/files/h2.bin", "-T", file)).Status);
        string[] h2 = ["--http2", "-k"];
        var head = await Curl.GetAsync($"{Agent.HttpsUrl}/index", [.. h2, "-I", "-o", "/dev/null"]);
        Assert.Equal(("2", 200), (head.HttpVersion, head.Status));
        var post = await Curl.GetAsync($"{Agent.HttpsUrl}/", [.. h2, "-X", "POST"]);
        Assert.Equal(405, post.Status);
        Assert.Equal("GET, HEAD, OPTIONS", post.Header("Allow"));
        Assert.Equal(200, (await Curl.GetAsync($"{Agent.HttpsUrl}/", [.. h2, "-X", "OPTIONS"])).Status);
        var part = await Curl.GetAsync($"{Agent.HttpsUrl}/files/h2.bin", [.. h2, "-r", "0-99"]);
        Assert.Equal(206, part.Status);
        Assert.Equal((await File.ReadAllBytesAsync(file))[..100], part.BodyBytes);
        Assert.Equal(416, (await Curl.GetAsync($"{Agent.HttpsUrl}/files/h2.bin", [.. h2, "-r", "999999-"])).Status);
        Assert.Equal(304, (await Curl.GetAsync($"{Agent.HttpsUrl}/files/h2.bin", [.. h2, "-H", $"If-None-Match: {part.Header("ETag")}"])).Status);
    }

    [Fact]
    public async Task H2load_runs_with_no_errors()
    {
        var h2load = await Tool.RunAsync("h2load", ["-n", "400", "-c", "4", "-m", "8", $"{Agent.HttpsUrl}/"], timeoutSeconds: 60);
        h2load.AssertExit(0);
        Assert.Contains("400 succeeded, 0 failed, 0 errored", h2load.Stdout);
    }
}
