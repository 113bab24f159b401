using System.CommandLine;
using NetLab.Agent;
using NetLab.Cli.Lab;

namespace NetLab.Cli.Commands;

/// <summary><c>netlab tls host:port</c>: the handshake facts openssl s_client prints, and the pin.</summary>
internal static class TlsCommand
{
    public static Command Create(CliIO io)
    {
        var target = new Argument<string>("host:port") { Description = $"The TLS server (the port defaults to {LabPorts.Agent})" };
        var trust = CommonOptions.TrustNewCert();
        var knownHosts = CommonOptions.KnownHostsFile();
        var json = CommonOptions.Json();
        var command = new Command("tls", """
            Handshake with a TLS server and show what openssl s_client shows: version, cipher, certificate,
            validity and SHA-256 fingerprint. The fingerprint is pinned on first use; a later change fails
            loudly with both fingerprints (--trust-new-cert accepts the new one).

            Examples:
              netlab tls 203.0.113.7:11211
              netlab tls 127.0.0.1:11211 --json
            """)
        {
            target, trust, knownHosts, json,
        };
        command.SetAction(async (r, ct) =>
        {
            var isJson = r.GetValue(json);
            if (Net.SplitEndpoint(r.GetValue(target)!, LabPorts.Agent) is not var (host, port))
            {
                return Fail.Write(io, isJson, $"'{r.GetValue(target)}' is not host:port; e.g. `netlab tls 203.0.113.7:11211` (or `[2001:db8::7]:11211`)", ExitCodes.UsageOrConnection);
            }

            var pins = CommonOptions.LoadPins(r.GetValue(knownHosts));
            TlsFacts facts;
            try
            {
                var (ssl, seen) = await TlsClient.ConnectAsync(host, port, pins, r.GetValue(trust), ct, "h2", "http/1.1");
                await ssl.DisposeAsync();
                facts = seen;
            }
            catch (CertificateChangedException failure)
            {
                return Fail.Write(io, isJson, $"certificate changed! expected {failure.Expected}, got {failure.Got}", ExitCodes.CheckFailed);
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or System.Security.Authentication.AuthenticationException)
            {
                return Fail.Connection(io, isJson, $"TLS to {Net.Endpoint(host, port)} failed: {NetWords.Tls(e)}");
            }

            if (isJson)
            {
                io.Json(new TlsDocument(
                    host, port, facts.Version, facts.Cipher, facts.Subject, facts.Issuer, facts.NotAfter.ToUniversalTime(), facts.Fingerprint, facts.Alpn,
                    Pin: facts.Pin == PinVerdict.PinnedNow ? "pinned-now" : "matches"));
                return ExitCodes.Success;
            }

            io.Line($"version      {facts.Version}");
            io.Line($"cipher       {facts.Cipher}");
            io.Line($"ALPN         {facts.Alpn ?? "(none)"}");
            io.Line($"subject      {facts.Subject}");
            io.Line($"issuer       {facts.Issuer}{(facts.Subject == facts.Issuer ? " (self-signed)" : "")}");
            io.Line($"valid until  {facts.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC");
            io.Line($"SHA-256      {facts.Fingerprint}");
            io.Line(facts.Pin == PinVerdict.PinnedNow
                ? $"pin          pinned now (first use) in {pins.FilePath}"
                : "pin          matches the pinned fingerprint");
            return ExitCodes.Success;
        });
        return command;
    }
}
