using NetLab.Agent.Certificates;
using NetLab.Agent.Tests.Support;

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
}
