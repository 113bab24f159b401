using System.IO.Pipelines;
using System.Text;

namespace NetLab.Agent.Http;

/// <summary>
/// The answer to <c>GET / HTTPS/1.1</c> typed in telnet: 400 Bad Request, as a real web server gives it,
/// with a body that says why (HTTPS is HTTP inside TLS, not a version of HTTP).
/// </summary>
internal static class BadVersionResponse
{
    public static async ValueTask WriteAsync(PipeWriter output, int port)
    {
        var body =
            "400 Bad Request: the request line must end in HTTP/1.1 (or HTTP/1.0).\n" +
            $"HTTPS is not a version of HTTP: it is HTTP inside TLS. Try: curl -k https://HOST:{port}/ " +
            $"or openssl s_client -connect HOST:{port}, then type GET / HTTP/1.1\n";
        await output.WriteAsync(Encoding.ASCII.GetBytes(
            "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n" +
            $"Content-Length: {body.Length}\r\n\r\n{body}"));
    }
}
