using System.Globalization;

namespace NetLab.Testing;

/// <summary>One curl exchange: status line facts, headers and body.</summary>
public sealed record CurlResponse(int Status, string HttpVersion, string Headers, string Body)
{
    /// <summary>The body's bytes, exactly (<see cref="Body"/> is them decoded as UTF-8).</summary>
    public byte[] BodyBytes { get; init; } = [];

    public string? Header(string name) => Headers.Split("\r\n")
        .Select(l => l.Split(':', 2))
        .Where(p => p.Length == 2 && p[0].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
        .Select(p => p[1].Trim())
        .FirstOrDefault();
}

public static class Curl
{
    /// <summary>Runs real curl; the status and version come from curl's own <c>-w</c> report.</summary>
    public static Task<CurlResponse> GetAsync(string url, params string[] extra) => RunAsync("curl", [], url, extra);

    /// <summary>Real curl from a client address of a <see cref="TestInternet"/>, to the agent's host there.</summary>
    public static Task<CurlResponse> FromAsync(TestInternet net, string source, string path, params string[] extra) =>
        RunAsync("ip", net.InClient("curl", "--interface", source), $"http://{net.HostAddress}:{TestInternet.Port}{path}", extra);

    private static async Task<CurlResponse> RunAsync(string tool, string[] prefix, string url, string[] extra)
    {
        var headers = Path.GetTempFileName();
        try
        {
            string[] args = [.. prefix, "-sS", "-D", headers, "-w", "\n%{http_code} %{http_version}", .. extra, url];
            var curl = await Tool.RunAsync(tool, args);
            Assert.True(curl.ExitCode == 0, $"curl {string.Join(' ', args)} failed ({curl.ExitCode}): {curl.Stderr}");
            var output = curl.Stdout;
            var cut = output.LastIndexOf('\n');
            var facts = output[(cut + 1)..].Split(' ');
            var bytes = curl.StdoutBytes;
            return new CurlResponse(int.Parse(facts[0], CultureInfo.InvariantCulture), facts[1], await File.ReadAllTextAsync(headers), output[..cut])
            {
                BodyBytes = bytes[..Array.LastIndexOf(bytes, (byte)'\n')],
            };
        }
        finally
        {
            File.Delete(headers);
        }
    }
}
