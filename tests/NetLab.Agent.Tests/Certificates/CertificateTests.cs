using NetLab.Agent.Certificates;
using NetLab.Testing;

namespace NetLab.Agent.Tests.Certificates;

public class CertificateTests
{
    [Fact]
    public async Task A_restart_keeps_the_same_certificate_stored_owner_only()
    {
        var dataDir = Directory.CreateTempSubdirectory("netlab-cert-").FullName;
        try
        {
            string first;
            await using (var agent = await TestAgent.StartAsync(dataDir: dataDir))
            {
                first = agent.Host.Fingerprint;
                Assert.True(agent.Host.Lab.Certificate.Created);
            }

            var path = Path.Combine(dataDir, AgentCertificate.FileName);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));

            var again = await TestAgent.StartAsync(dataDir: dataDir);
            await using (again)
            {
                Assert.False(again.Host.Lab.Certificate.Created);
                Assert.Equal(first, again.Host.Fingerprint);
                Assert.Matches("^([0-9A-F]{2}:){31}[0-9A-F]{2}$", first);
            }
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task Openssl_sees_the_fingerprint_the_agent_publishes_and_an_ECDSA_P256_key()
    {
        await using var agent = await TestAgent.StartAsync();
        var shown = await Tool.ShellAsync(
            $"openssl s_client -connect 127.0.0.1:{agent.Port} </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256 -text");
        Assert.Contains($"sha256 Fingerprint={agent.Host.Fingerprint}", shown.Stdout, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("ASN1 OID: prime256v1", shown.Stdout);
        Assert.Contains("DNS:localhost", shown.Stdout);
        Assert.Contains("IP Address:127.0.0.1", shown.Stdout);
    }

    [Fact]
    public void New_names_re_issue_the_certificate_with_the_same_key_and_the_same_names_keep_it()
    {
        var dataDir = Directory.CreateTempSubdirectory("netlab-cert-").FullName;
        try
        {
            // Installed at 203.0.113.7; a restart names the same address; after a stop and start, a new one.
            var first = AgentCertificate.LoadOrCreate(dataDir, ["203.0.113.7", "ec2-203-0-113-7.compute-1.amazonaws.com"]);
            Assert.Equal(CertificateOrigin.Created, first.Origin);
            Assert.Contains("203.0.113.7", first.Names);

            var restart = AgentCertificate.LoadOrCreate(dataDir, ["203.0.113.7", "ec2-203-0-113-7.compute-1.amazonaws.com"]);
            Assert.Equal(CertificateOrigin.Loaded, restart.Origin);
            Assert.Equal(first.Fingerprint, restart.Fingerprint);

            var moved = AgentCertificate.LoadOrCreate(dataDir, ["198.51.100.20", "ec2-198-51-100-20.compute-1.amazonaws.com"]);
            Assert.Equal(CertificateOrigin.Reissued, moved.Origin);
            Assert.NotEqual(first.Fingerprint, moved.Fingerprint);
            Assert.Contains("198.51.100.20", moved.Names);
            Assert.Contains("ec2-198-51-100-20.compute-1.amazonaws.com", moved.Names);
            Assert.DoesNotContain("203.0.113.7", moved.Names); // that address is someone else's now
            Assert.Contains("localhost", moved.Names);
            Assert.Equal(first.Certificate.PublicKey.EncodedKeyValue.RawData, moved.Certificate.PublicKey.EncodedKeyValue.RawData);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dataDir, AgentCertificate.FileName)));

            // No names asked (a start without IMDS): what is there is kept.
            Assert.Equal(CertificateOrigin.Loaded, AgentCertificate.LoadOrCreate(dataDir, []).Origin);
            Assert.Equal(moved.Fingerprint, AgentCertificate.LoadOrCreate(dataDir, ["198.51.100.20"]).Fingerprint);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
