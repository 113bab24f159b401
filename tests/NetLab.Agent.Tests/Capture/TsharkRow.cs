using NetLab.Testing;

namespace NetLab.Agent.Tests.Capture;

/// <summary>One packet as Debian's tshark reads it from what /capture answered.</summary>
internal sealed record TsharkRow(string Source, int SourcePort, int DestinationPort, string Protocol, bool Syn, bool Ack, bool Fin, bool Rst, int Length, int FrameLength, int CapturedLength)
{
    private static readonly string[] Fields =
        ["ip.src", "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport", "tcp.flags.syn", "tcp.flags.ack", "tcp.flags.fin", "tcp.flags.reset", "tcp.len", "udp.length", "frame.len", "frame.cap_len"];

    public bool FromClient(int agentPort) => DestinationPort == agentPort;

    /// <summary>Fetches <paramref name="url"/> with real curl (<paramref name="curlArgs"/> first), checks it is pcapng, and reads it with tshark.</summary>
    public static async Task<(CurlResponse Response, List<TsharkRow> Rows)> FetchAsync(string url, params string[] curlArgs)
    {
        var response = await Curl.GetAsync(url, curlArgs);
        Assert.Equal(200, response.Status);
        Assert.Equal("application/x-pcapng", response.Header("Content-Type"));
        return (response, Read(response.BodyBytes));
    }

    /// <summary>tshark's fields for every packet of <paramref name="pcapng"/>.</summary>
    public static List<TsharkRow> Read(byte[] pcapng)
    {
        var file = Path.Combine(Path.GetTempPath(), $"netlab-capture-{Environment.ProcessId}-{Guid.NewGuid():N}.pcapng");
        try
        {
            File.WriteAllBytes(file, pcapng);
            var run = Tool.Run("tshark", ["-r", file, "-T", "fields", "-E", "separator=,", .. Fields.SelectMany(f => new[] { "-e", f })]);
            Assert.True(run.Code == 0, $"tshark failed ({run.Code}): {run.Stderr}");
            return [.. run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Parse)];
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static TsharkRow Parse(string line)
    {
        var f = line.Split(',');
        var tcp = f[1].Length > 0;
        return new TsharkRow(
            f[0],
            Number(tcp ? f[1] : f[3]),
            Number(tcp ? f[2] : f[4]),
            tcp ? "tcp" : "udp",
            Flag(f[5]), Flag(f[6]), Flag(f[7]), Flag(f[8]),
            tcp ? Number(f[9]) : Number(f[10]) - 8,
            Number(f[11]),
            Number(f[12]));
    }

    private static int Number(string text) => text.Length == 0 ? 0 : int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    private static bool Flag(string text) => text is "1" or "True" or "true";

    public override string ToString() =>
        $"{Protocol} {Source}:{SourcePort}->{DestinationPort} {(Syn ? "S" : "")}{(Ack ? "A" : "")}{(Fin ? "F" : "")}{(Rst ? "R" : "")} len={Length}";
}
