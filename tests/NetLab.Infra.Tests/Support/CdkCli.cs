using NetLab.Testing;

namespace NetLab.Infra.Tests.Support;

/// <summary>
/// The repository's CDK CLI (<c>npx cdk</c>, pinned in package-lock.json) as every test runs it: with its own TMPDIR
/// (jsii leaves ~66 MB there), and with nothing sent to the internet: no notices, no version check, no telemetry.
/// </summary>
public static class CdkCli
{
    /// <summary><c>npx cdk synth -q -o OUTPUT -c KEY=VALUE ...</c> from the repository; returns the exit code and the log.</summary>
    public static ToolRun Synth(string output, string tmp, params string[] context)
    {
        var root = Repository.Root;
        Assert.True(File.Exists(Path.Combine(root, "node_modules", ".bin", "cdk")), "the CDK CLI is not installed: ./test.sh runs npm ci");
        return Tool.Run("npx", ["cdk", "synth", "-q", "--no-notices", "-o", output, .. context.SelectMany(c => new[] { "-c", c })], environment: Environment(tmp), workingDirectory: root, timeoutSeconds: 600);
    }

    /// <summary>The environment every CDK run gets.</summary>
    public static Dictionary<string, string> Environment(string tmp) => new()
    {
        ["TMPDIR"] = tmp,
        ["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20",
        ["CDK_DISABLE_VERSION_CHECK"] = "1",
        ["CDK_DISABLE_CLI_TELEMETRY"] = "true",
    };
}
