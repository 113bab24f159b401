using NetLab.Infra.Tests.Support;
using NetLab.Testing;

namespace NetLab.Infra.Tests;

/// <summary>
/// The real thing: <c>npx cdk synth</c> from the repository (the pinned CLI, the app in cdk.json, the agent
/// published for the host's architecture), then the staged asset checked to be that runnable binary, and the
/// template linted by cfn-lint.
/// Each synth gets its own TMPDIR, removed afterwards (jsii leaves ~66 MB there).
/// </summary>
[Trait("Loop", "Slow")] // CDK synth (jsii) and the CDK CLI
public sealed class SynthTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("netlab-synth-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Theory]
    [InlineData("x86_64", "linux-x64", (ushort)0x3E)]
    [InlineData("arm64", "linux-arm64", (ushort)0xB7)]
    public void Cdk_synth_stages_the_real_agent_binary_for_the_architecture(string arch, string runtimeId, ushort elfMachine)
    {
        var root = Repository.Root;
        var output = Path.Combine(_work, "cdk.out");
        var tmp = Directory.CreateDirectory(Path.Combine(_work, "tmp")).FullName;
        var (code, log) = CdkCli.Synth(output, tmp, $"arch={arch}");
        Assert.True(code == 0, log);

        var published = new FileInfo(Path.Combine(root, ".build", "agent", runtimeId, "bundle", "netlab-agent"));
        Assert.True(published.Exists, $"the agent was not published to {published.FullName}");
        Assert.Equal(["netlab-agent"], published.Directory!.GetFileSystemInfos().Select(f => f.Name)); // the binary alone

        // A folder asset (zipped for the upload), holding that binary: uncompressed and precompiled, so it starts fast.
        // (The other asset is the CDK's own provider that closes the default security group.)
        var stagedFolder = Assert.Single(new DirectoryInfo(output).GetDirectories("asset.*"), d => File.Exists(Path.Combine(d.FullName, "netlab-agent")));
        var staged = new FileInfo(Path.Combine(stagedFolder.FullName, "netlab-agent"));
        Assert.True(staged.Exists, $"no netlab-agent in {stagedFolder.Name}");
        Assert.Equal(published.Length, staged.Length);
        Assert.True(staged.Length > 60_000_000, $"the staged agent is only {staged.Length} bytes: compressed, or not self-contained?");

        var header = new byte[20];
        using (var file = staged.OpenRead())
        {
            file.ReadExactly(header);
        }

        Assert.Equal("\u007fELF"u8.ToArray(), header[..4]);
        Assert.Equal(elfMachine, BitConverter.ToUInt16(header, 18));

        var assets = File.ReadAllText(Path.Combine(output, "NetLabCloud.assets.json"));
        var hash = stagedFolder.Name.Replace("asset.", "");
        Assert.Contains(hash, assets);
        Assert.Matches($"\"{hash}\":\\s*{{\\s*\"source\":\\s*{{\\s*\"path\":\\s*\"asset.{hash}\",\\s*\"packaging\":\\s*\"zip\"", assets);
        var template = File.ReadAllText(Path.Combine(output, "NetLabCloud.template.json"));
        Assert.Contains("netlab-agent", template);

        // What cdk deploy would send, as AWS's linter sees it.
        Assert.Empty(Lint.CfnLintTests.Unaccepted(CfnLint.Lint(Path.Combine(output, "NetLabCloud.template.json"))));
    }

    [Fact]
    public void The_staged_x64_agent_runs_and_answers_help()
    {
        var root = Repository.Root;
        var binary = Path.Combine(NetLab.Infra.Host.AgentBinary.Publish(root, "linux-x64"), "netlab-agent");
        var (code, output) = Tool.Run(binary, ["--help"]);
        Assert.Equal(0, code);
        Assert.Contains("netlab-agent: the NetLabCloud lab server", output);
    }
}
