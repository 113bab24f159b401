using System.Security.Cryptography;
using NetLab.Testing;

namespace NetLab.Agent.Tests.Browser;

/// <summary>
/// One agent with a web port, and one headless Chromium that accepts exactly that agent's certificate, by the SHA-256
/// of its public key (<c>--ignore-certificate-errors-spki-list</c>), as a student accepts it once; every other
/// certificate error still stops the browser.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public TestAgent Agent { get; private set; } = null!;

    public Chromium Chromium { get; private set; } = null!;

    /// <summary>The SPKI hash the browser was told to accept.</summary>
    public string Spki { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Agent = await TestAgent.StartAsync(webPort: 0);
        Spki = SpkiHash(Agent.Host.Lab.Certificate.Certificate);
        Chromium = await Chromium.LaunchAsync($"--ignore-certificate-errors-spki-list={Spki}");
    }

    public async Task DisposeAsync()
    {
        await Chromium.DisposeAsync();
        await Agent.DisposeAsync();
    }

    /// <summary>Base64 of SHA-256 over the certificate's SubjectPublicKeyInfo: what Chromium's SPKI list takes.</summary>
    public static string SpkiHash(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) =>
        Convert.ToBase64String(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));
}
