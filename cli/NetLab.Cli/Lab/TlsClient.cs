using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using NetLab.Agent.Certificates;

namespace NetLab.Cli.Lab;

/// <summary>What a TLS handshake showed: the facts openssl s_client prints.</summary>
internal sealed record TlsFacts(string Version, string Cipher, string Subject, string Issuer, DateTime NotAfter, string Fingerprint, string? Alpn, PinVerdict Pin, string? Pinned);

/// <summary>TLS to an agent, with its certificate pinned on first use (it is self-signed: no CA vouches for it).</summary>
internal static class TlsClient
{
    /// <summary>
    /// Connects, handshakes and checks the pin. A changed fingerprint fails loudly with both values and how to
    /// reset; the connection is not used.
    /// </summary>
    public static async Task<(SslStream Stream, TlsFacts Facts)> ConnectAsync(
        string host, int port, KnownHosts pins, bool trustNew, CancellationToken ct, params string[] alpn)
    {
        X509Certificate2? seen = null;
        var transport = new ConnectOnWriteStream(host, port); // the hello follows the connect at once
        var ssl = new SslStream(transport, leaveInnerStreamOpen: false);
        try
        {
            await ConnectOnWriteStream.AuthenticateAsync(ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = host,
                ApplicationProtocols = alpn.Select(a => new SslApplicationProtocol(a)).ToList(),
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    // Trust is decided by the pin below, not by a CA chain.
                    seen = certificate is null ? null : new X509Certificate2(certificate);
                    return certificate is not null;
                },
            }, ct), transport);
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }

        var endpoint = Net.Endpoint(host, port);
        var fingerprint = AgentCertificate.FormatFingerprint(seen!);
        var pinned = pins.Pinned(endpoint);
        var verdict = pins.Check(endpoint, fingerprint, trustNew);
        var facts = new TlsFacts(
            TlsVersion(ssl.SslProtocol),
            CipherName(ssl.NegotiatedCipherSuite),
            seen!.Subject,
            seen.Issuer,
            seen.NotAfter,
            fingerprint,
            ssl.NegotiatedApplicationProtocol.Protocol.IsEmpty ? null : ssl.NegotiatedApplicationProtocol.ToString(),
            verdict,
            pinned);
        if (verdict == PinVerdict.Changed)
        {
            await ssl.DisposeAsync();
            throw new CertificateChangedException(
                $"the pinned certificate {pinned} (from {pins.FilePath ?? "this run"})",
                $"a different one, {fingerprint}. Someone may be in the middle, or the agent was reinstalled; " +
                $"if you trust the new one: netlab connect {host} --port {port} --trust-new-cert");
        }

        return (ssl, facts);
    }

    /// <summary>The version as openssl names it: TLS 1.3, not .NET's Tls13.</summary>
    public static string TlsVersion(SslProtocols protocol) => protocol switch
    {
#pragma warning disable SYSLIB0039, CA5397 // old versions are named, never offered
        SslProtocols.Tls => "TLS 1.0",
        SslProtocols.Tls11 => "TLS 1.1",
#pragma warning restore SYSLIB0039, CA5397
        SslProtocols.Tls12 => "TLS 1.2",
        SslProtocols.Tls13 => "TLS 1.3",
        var other => other.ToString(),
    };

    /// <summary>
    /// The cipher suite's name; a handshake that worked with "no cipher" means the OS's TLS library did not say which
    /// (Wine's schannel reports TLS_NULL_WITH_NULL_NULL), and that is what the student is told.
    /// </summary>
    internal static string CipherName(TlsCipherSuite suite) =>
        suite == TlsCipherSuite.TLS_NULL_WITH_NULL_NULL ? "(not reported by this system's TLS library)" : suite.ToString();
}
