using System.IO.Pipelines;
using System.Text;
using NetLab.Agent.Sniffing;

namespace NetLab.Agent.Http;

/// <summary>
/// The answer to a request line that means HTTP but is not quite it, typed in telnet or sent at once:
/// <c>GET / HTTPS/1.1</c> (HTTPS is not a version of HTTP), or <c>get / HTTP/1.1</c> (methods are
/// case-sensitive). 400 Bad Request, as a real web server gives it, with a body that says why.
/// </summary>
internal static class NotQuiteHttpResponse
{
    public static async ValueTask WriteAsync(PipeWriter output, int port, SniffVerdict verdict)
    {
        var body = verdict == SniffVerdict.BadHttpMethod
            ? "400 Bad Request: HTTP methods are case-sensitive: type GET (or HEAD, POST, PUT, DELETE, OPTIONS) in capitals, then the path and HTTP/1.1.\n"
            : "400 Bad Request: the request line must end in HTTP/1.1 (or HTTP/1.0).\n" +
              $"HTTPS is not a version of HTTP: it is HTTP inside TLS. Try: curl -k https://HOST:{port}/ " +
              $"or openssl s_client -connect HOST:{port}, then type GET / HTTP/1.1\n";
        await output.WriteAsync(Encoding.ASCII.GetBytes(
            "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n" +
            $"Content-Length: {body.Length}\r\n\r\n{body}"));
    }
}
