using System.Globalization;

namespace NetLab.Agent.Tests.Support;

/// <summary>One curl exchange: status line facts, headers and body.</summary>
public sealed record CurlResponse(int Status, string HttpVersion, string Headers, string Body)
{
    public string? Header(string name) => Headers.Split("\r\n")
        .Select(l => l.Split(':', 2))
        .Where(p => p.Length == 2 && p[0].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
        .Select(p => p[1].Trim())
        .FirstOrDefault();
}

public static class Curl
{
    /// <summary>Runs real curl; the status and version come from curl's own <c>-w</c> report.</summary>
    public static async Task<CurlResponse> GetAsync(string url, params string[] extra)
    {
        var headers = Path.GetTempFileName();
        try
        {
            string[] args = ["-sS", "-D", headers, "-w", "\n%{http_code} %{http_version}", .. extra, url];
            var curl = await Tool.RunAsync("curl", args);
            Assert.True(curl.ExitCode == 0, $"curl {string.Join(' ', args)} failed ({curl.ExitCode}): {curl.Stderr}");
            var output = curl.Stdout;
            var cut = output.LastIndexOf('\n');
            var facts = output[(cut + 1)..].Split(' ');
            return new CurlResponse(int.Parse(facts[0], CultureInfo.InvariantCulture), facts[1], await File.ReadAllTextAsync(headers), output[..cut]);
        }
        finally
        {
            File.Delete(headers);
        }
    }
}
