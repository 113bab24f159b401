using System.CommandLine;
using NetLab.Agent.Hosting;
using NetLab.Cli.Lab;

namespace NetLab.Cli.Commands;

/// <summary><c>netlab http &lt;url&gt;</c>: one request, typed for you; --raw shows both sides as telnet would.</summary>
internal static class HttpCommand
{
    public static Command Create(CliIO io)
    {
        var url = new Argument<Uri>("url")
        {
            Description = "http:// or https:// URL",
            CustomParser = r => Uri.TryCreate(r.Tokens[0].Value, UriKind.Absolute, out var u) && (u.Scheme == "http" || u.Scheme == "https")
                ? u
                : OptionParsers.Fail<Uri>(r, $"'{r.Tokens[0].Value}' is not an http:// or https:// URL; e.g. netlab http http://127.0.0.1:11211/index/Adam"),
        };
        var raw = new Option<bool>("--raw") { Description = "Show the request sent and the whole response, headers included (for https: the certificate first)" };
        var json = CommonOptions.Json();
        var command = new Command("http", """
            Send one GET, written out by hand as you would type it in telnet, and show the answer. For https the
            request goes inside TLS, as with openssl s_client; the certificate is shown, not verified (see netlab tls).

            Output: the status line (and for a redirect its Location) on stderr, the body on stdout, so
            netlab http URL > page.html saves just the page, as curl -o would. --raw prints both sides, headers
            included, on stdout; --json one document. It exits 0 whatever the status: the answer is the lesson.

            Examples:
              netlab http http://127.0.0.1:11211/index/Adam
              netlab http http://127.0.0.1:11211/redirect --raw
              netlab http https://127.0.0.1:11211/data?format=csv --raw
            """)
        {
            url, raw, json,
        };
        command.SetAction(async (r, ct) =>
        {
            var target = r.GetValue(url)!;
            var isJson = r.GetValue(json);
            var request = RawHttp.Request("GET", target.PathAndQuery, target.Authority);
            RawResponse response;
            TlsFacts? tls = null;
            try
            {
                Stream stream;
                if (target.Scheme == "https")
                {
                    (stream, tls) = await TlsClient.ConnectAsync(target.Host, target.Port, KnownHosts.InMemory(), trustNew: true, ct);
                }
                else
                {
                    stream = new ConnectOnWriteStream(target.Host, target.Port); // connects with the request in hand
                }

                await using (stream)
                {
                    response = await RawHttp.ExchangeAsync(stream, request, ct);
                }
            }
            catch (UnexpectedReplyException failure)
            {
                return Fail.Write(io, isJson, $"{target} did not answer in HTTP: expected {failure.Expected}, got {failure.Got}", ExitCodes.CheckFailed);
            }
            catch (System.Net.Sockets.SocketException e)
            {
                return Fail.Connection(io, isJson, $"{target.Scheme} to {target.Authority} failed: {NetWords.Socket(e)}");
            }
            catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
            {
                return Fail.Connection(io, isJson, $"{target.Scheme} to {target.Authority} failed: {(target.Scheme == "https" ? NetWords.Tls(e) : e.Message)}");
            }

            if (isJson)
            {
                io.Json(new HttpDocument(
                    target.ToString(), request, response.Status, response.StatusLine,
                    response.Headers.Select(h => new HttpHeader(h.Name, h.Value)).ToList(),
                    response.BodyText,
                    Tls: tls is null ? null : new HttpTls(tls.Version, tls.Cipher, tls.Subject, tls.Fingerprint)));
            }
            else if (r.GetValue(raw))
            {
                if (tls is not null)
                {
                    io.Out.WriteLine($"* TLS {tls.Version}, {tls.Cipher}; certificate {tls.Subject}, SHA-256 {tls.Fingerprint}");
                }

                foreach (var line in request.Split("\r\n")[..^1])
                {
                    io.Out.WriteLine($"> {line}");
                }

                io.Out.Write(response.Raw);
            }
            else
            {
                // What the status was is never silent (a 301's body is empty): on stderr, so stdout stays the body.
                if (response.AfterBanner)
                {
                    io.Error.WriteLine("(the agent's text banner came first: the request reached it after its sniff window, as a lost packet sent again does; the answer follows it)");
                }

                io.Error.WriteLine(response.StatusLine);
                if (response.Status is >= 300 and < 400 && response.Header("Location") is { } location)
                {
                    io.Error.WriteLine($"Location: {location}");
                }

                io.Error.Flush();
                io.Out.Write(response.BodyText);
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
