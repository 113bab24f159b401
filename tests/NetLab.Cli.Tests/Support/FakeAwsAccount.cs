using System.Runtime.CompilerServices;

namespace NetLab.Cli.Tests.Support;

/// <summary>
/// The AWS SDK's credential chain, for every test in this assembly, stops at the environment with a made-up key:
/// never IMDS, never a real account. Set once, before any test runs, to the same values (tests in parallel
/// never change them); what differs per test (NETLAB_CDK, NETLAB_CHECKIP_URL) goes through CliIO.Environment.
/// </summary>
internal static class FakeAwsAccount
{
    [ModuleInitializer]
    internal static void Use()
    {
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIATESTNETLAB");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "test-secret");
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
    }
}
