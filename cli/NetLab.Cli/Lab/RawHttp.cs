using System.Text;

namespace NetLab.Cli.Lab;

/// <summary>An HTTP response as it came off the wire.</summary>
/// <param name="StatusLine">The status line, e.g. "HTTP/1.1 200 OK".</param>
/// <param name="Status">The status code.</param>
/// <param name="Headers">The header fields, in order.</param>
/// <param name="Body">The body, unchunked.</param>
/// <param name="Raw">Everything that came back, as text (the banner too, when there was one).</param>
/// <param name="AfterBanner">
/// The agent's text banner came first: the request reached it only after its sniff window (a lost segment, sent
/// again one retransmission timeout later), so it greeted a text session, then answered the request line as HTTP,
/// as it does for one typed in telnet.
/// </param>
internal sealed record RawResponse(string StatusLine, int Status, IReadOnlyList<(string Name, string Value)> Headers, byte[] Body, string Raw, bool AfterBanner = false)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    public string? Header(string name) =>
        Headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();
}

/// <summary>HTTP/1.1 typed by hand: one request with <c>Connection: close</c>, the response read to EOF.</summary>
internal static class RawHttp
{

    public static string Request(string method, string target, string host) =>
        $"{method} {target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: netlab\r\nAccept: */*\r\nConnection: close\r\n\r\n";

    /// <summary>Sends the request text and parses what comes back (RFC 9112: status line, fields, body).</summary>
    public static async Task<RawResponse> ExchangeAsync(Stream stream, string request, CancellationToken ct)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), ct);
        await stream.FlushAsync(ct);
        using var all = new MemoryStream();
        try
        {
            await stream.CopyToAsync(all, ct);
        }
        catch (IOException) when (all.Length > 0)
        {
            // A TLS peer that closed without close_notify: what arrived is the response.
        }

        return Parse(all.ToArray());
    }

    public static RawResponse Parse(byte[] bytes)
    {
        var text = Encoding.Latin1.GetString(bytes);
        var raw = text; // all of it, the banner too, for --raw
        var afterBanner = false;
        if (text.StartsWith(LineClient.AgentBanner + "\r\n", StringComparison.Ordinal) && text.IndexOf("\r\nHTTP/1.", StringComparison.Ordinal) is var http and > 0)
        {
            // The banner's lines, then the answer: the request was late, not wrong.
            (bytes, text, afterBanner) = (bytes[(http + 2)..], text[(http + 2)..], true);
        }

        var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var firstLine = text.Split('\n')[0].TrimEnd('\r');
        var parts = firstLine.Split(' ', 3);
        if (headerEnd < 0 || parts.Length < 2 || !parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || !int.TryParse(parts[1], out var status))
        {
            throw new UnexpectedReplyException("an HTTP/1.1 status line such as \"HTTP/1.1 200 OK\"",
                bytes.Length == 0 ? "nothing (the connection closed)" : $"\"{UnexpectedReplyException.Shorten(firstLine)}\"");
        }

        var headers = text[..headerEnd].Split("\r\n").Skip(1)
            .Select(l => l.Split(':', 2))
            .Where(p => p.Length == 2)
            .Select(p => (p[0].Trim(), p[1].Trim()))
            .ToList();
        var body = bytes[(headerEnd + 4)..];
        if (headers.Any(h => h.Item1.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && h.Item2.Contains("chunked", StringComparison.OrdinalIgnoreCase)))
        {
            body = Unchunk(body);
        }

        return new RawResponse(firstLine, status, headers, body, raw, afterBanner);
    }

    private static byte[] Unchunk(byte[] body)
    {
        using var output = new MemoryStream();
        var position = 0;
        while (position < body.Length)
        {
            var lineEnd = Array.IndexOf(body, (byte)'\n', position);
            if (lineEnd < 0)
            {
                break;
            }

            var sizeText = Encoding.ASCII.GetString(body, position, lineEnd - position).Trim().Split(';')[0];
            if (!int.TryParse(sizeText, System.Globalization.NumberStyles.HexNumber, null, out var size) || size == 0)
            {
                break;
            }

            output.Write(body, lineEnd + 1, Math.Min(size, body.Length - lineEnd - 1));
            position = lineEnd + 1 + size + 2;
        }

        return output.ToArray();
    }
}
