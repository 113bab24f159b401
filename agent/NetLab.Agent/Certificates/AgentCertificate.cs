using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace NetLab.Agent.Certificates;

/// <summary>
/// The agent's self-signed certificate: ECDSA P-256, generated on first start, kept in the data directory
/// (owner-only) and reused on every restart so clients can pin its fingerprint.
/// </summary>
public sealed class AgentCertificate
{
    /// <summary>The certificate and its key in the data directory (PKCS#12, owner-only).</summary>
    public const string FileName = "agent-cert.pfx";

    private AgentCertificate(X509Certificate2 certificate, CertificateOrigin origin)
    {
        Certificate = certificate;
        Origin = origin;
        Fingerprint = FormatFingerprint(certificate);
        // Building the chain reads every root in /etc/ssl/certs (about 60 ms, a fifth of the agent's start), so
        // it runs beside the start instead of before the listener: the first TLS client waits for it, if anyone.
        ServerContext = Task.Run(() => SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true));
    }

    /// <summary>The certificate as SslStream serves it (chain built once, off the start path).</summary>
    public Task<SslStreamCertificateContext> ServerContext { get; }

    /// <summary>The certificate with its private key, as TLS serves it.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>True when this start generated the certificate (a new key).</summary>
    public bool Created => Origin == CertificateOrigin.Created;

    /// <summary>Whether this start generated the certificate, re-issued it for new names, or loaded it as it was.</summary>
    public CertificateOrigin Origin { get; }

    /// <summary>The DNS names and IP addresses the certificate names (its subject alternative names).</summary>
    public IReadOnlyList<string> Names => NamesOf(Certificate);

    /// <summary>SHA-256 of the DER certificate, as <c>openssl x509 -fingerprint -sha256</c> prints it.</summary>
    public string Fingerprint { get; }

    /// <summary>The certificate in PEM, as <c>openssl s_client</c> shows it.</summary>
    public string Pem => Certificate.ExportCertificatePem();

    /// <summary>
    /// Loads the certificate from <paramref name="dataDir"/>, creating it the first time (or when expired). When
    /// it does not name all of <paramref name="extraNames"/> (a cloud host stopped and started has a new public
    /// address and DNS name), it is re-issued with the same key for the names asked now: a restart with the same
    /// names keeps the certificate as it was.
    /// </summary>
    public static AgentCertificate LoadOrCreate(string dataDir, IEnumerable<string> extraNames)
    {
        var names = extraNames.ToList();
        Directory.CreateDirectory(dataDir);
        var path = Path.Combine(dataDir, FileName);
        if (File.Exists(path))
        {
            var existing = X509CertificateLoader.LoadPkcs12FromFile(path, password: null);
            if (existing.NotAfter > DateTime.Now.AddDays(1))
            {
                var named = NamesOf(existing);
                if (names.All(n => named.Contains(Canonical(n), StringComparer.OrdinalIgnoreCase)))
                {
                    return new AgentCertificate(existing, CertificateOrigin.Loaded);
                }

                using var key = existing.GetECDsaPrivateKey();
                if (key is not null)
                {
                    return Store(path, Create(names, key), CertificateOrigin.Reissued);
                }
            }
        }

        using var fresh = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return Store(path, Create(names, fresh), CertificateOrigin.Created);
    }

    private static AgentCertificate Store(string path, X509Certificate2 certificate, CertificateOrigin origin)
    {
        var pfx = certificate.Export(X509ContentType.Pkcs12);
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, []);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllBytes(temp, pfx);
        File.Move(temp, path, overwrite: true);
        return new AgentCertificate(X509CertificateLoader.LoadPkcs12(pfx, password: null), origin);
    }

    /// <summary>A certificate kept only in memory, for a one-off TLS listener (<c>netlab nc -l --ssl</c>, like ncat's).</summary>
    public static AgentCertificate CreateEphemeral()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new(X509CertificateLoader.LoadPkcs12(Create([], key).Export(X509ContentType.Pkcs12), password: null), CertificateOrigin.Created);
    }

    /// <summary>Formats a certificate's SHA-256 fingerprint as colon-separated upper-case hex.</summary>
    public static string FormatFingerprint(X509Certificate2 certificate) =>
        string.Join(':', certificate.GetCertHash(HashAlgorithmName.SHA256).Select(b => b.ToString("X2")));

    private static X509Certificate2 Create(IEnumerable<string> extraNames, ECDsa key)
    {
        var host = Dns.GetHostName();
        var request = new CertificateRequest($"CN={host}, O=NetLabCloud lab agent", key, HashAlgorithmName.SHA256);

        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in new[] { host, "localhost", "127.0.0.1", "::1" }.Concat(extraNames).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (IPAddress.TryParse(name, out var ip))
            {
                san.AddIpAddress(ip);
            }
            else
            {
                san.AddDnsName(name);
            }
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));

        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(2));
    }

    /// <summary>An IP address as the certificate holds it (::ffff:1.2.3.4 and 1.2.3.4 alike), a DNS name as given.</summary>
    private static string Canonical(string name) => IPAddress.TryParse(name, out var ip) ? ip.ToString() : name;

    private static List<string> NamesOf(X509Certificate2 certificate)
    {
        var extension = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        return extension is null ? [] : [.. extension.EnumerateDnsNames(), .. extension.EnumerateIPAddresses().Select(ip => ip.ToString())];
    }
}

/// <summary>Where this start's certificate came from.</summary>
public enum CertificateOrigin
{
    /// <summary>Loaded from the data directory as it was.</summary>
    Loaded,

    /// <summary>Generated now, with a new key (the first start, or the old one expired or unreadable).</summary>
    Created,

    /// <summary>Issued again with the stored key, for names the stored certificate did not have.</summary>
    Reissued,
}
