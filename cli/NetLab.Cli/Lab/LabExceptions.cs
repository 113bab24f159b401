namespace NetLab.Cli.Lab;

/// <summary>
/// The peer answered, but not with what the protocol says comes next (a status line, another line, the pinned
/// certificate). Lab/ speaks protocols and knows nothing of exercises: the exercise runner and the commands turn
/// this into their own failure, with <see cref="Expected"/> and <see cref="Got"/> kept apart for the report.
/// </summary>
internal class UnexpectedReplyException(string expected, string got)
    : Exception($"expected {expected}, got {got}")
{
    public string Expected { get; } = expected;

    public string Got { get; } = got;

    /// <summary>Cuts what a peer sent to something a report line can hold; never an agent's refusal that says what to do.</summary>
    public static string Shorten(string text, int max = 80) =>
        text.Length <= max || text.Contains("netlab up --cidr", StringComparison.Ordinal) ? text : text[..max] + "…";

    /// <summary>
    /// A reply as a report quotes it: an agent's refusal (<c>ERROR ...</c>, or an HTTP error's body) whole, since it
    /// says what to do (a class behind one address: <c>netlab up --cidr</c>); anything else quoted and cut short.
    /// </summary>
    public static string Quote(string reply, int max = 80) =>
        reply.StartsWith("ERROR ", StringComparison.Ordinal) ? reply : $"\"{Shorten(reply, max)}\"";
}

/// <summary>The peer closed the connection where more was expected.</summary>
internal sealed class PeerClosedException(string expected, string got) : UnexpectedReplyException(expected, got);

/// <summary>The certificate is not the one pinned for this endpoint: someone in the middle, or a reinstalled agent.</summary>
internal sealed class CertificateChangedException(string expected, string got) : UnexpectedReplyException(expected, got);

/// <summary>A TLS handshake answered with a line of plain text: an agent's refusal (which says why), or a text session's banner.</summary>
internal sealed class PlainTextReplyException(string line, Exception inner)
    : System.Security.Authentication.AuthenticationException($"wrong version number (the other side does not speak TLS; it said {UnexpectedReplyException.Quote(line, 120)})", inner)
{
    public string Line { get; } = line;
}
