using NetLab.Infra.Host;
using NetLab.Infra.Tests.Support;
using NetLab.Testing;

namespace NetLab.Infra.Tests.Aws;

/// <summary>
/// The AWS path end to end against an emulator: scripts/rehearse-aws.sh runs the real CDK CLI (bootstrap, then
/// deploy and destroy through netlab up and down), netlab status and start, and boto3's view of EC2, against moto
/// 5.2.1 with tests/aws/netlab_moto.py, in a network namespace with loopback only. What moto cannot do (cfn-init, the
/// creation signal, the provider's Lambda, EventBridge to Step Functions) is the boot rehearsal's and the template
/// tests' to prove.
/// </summary>
[Trait("Loop", "Slow")] // an AWS emulator (moto) and the CDK CLI
public sealed class AwsRehearsalTests : IDisposable
{
    private static readonly string[] Steps = ["emulator", "bootstrap", "up", "ec2-host", "status", "stop", "agent", "start", "down", "gone"];

    private readonly string _tmp = Directory.CreateTempSubdirectory("netlab-rehearse-test-").FullName;

    public AwsRehearsalTests()
    {
        // The script's prerequisites, as ./test.sh leaves them: the agent published for linux-x64 once with the
        // network (its runtime packs in the NuGet cache), so the synth inside the namespace needs none.
        _ = AgentBinary.Publish(Repository.Root, "linux-x64");
    }

    public void Dispose() => Tool.Run("rm", ["-rf", _tmp]);

    [Fact]
    public void Bootstrap_up_status_stop_and_start_down_all_hold_against_moto_started_with_no_network_at_all()
    {
        // Started as a user would with no network: in a fresh namespace whose loopback is down. It brings up what it needs.
        var (code, output) = Rehearse(noNetwork: true);
        Assert.True(code == 0, $"scripts/rehearse-aws.sh exited {code}:\n{output}");
        foreach (var step in Steps)
        {
            Assert.Matches($"(?m)^PASS {step} ", output);
        }

        Assert.Contains("rehearse-aws: all steps passed", output);
        Assert.Matches(@"PASS ec2-host .*22/tcp, 11211/tcp\+udp from 198\.51\.100\.7/32 only\), IMDSv2 required, lab tags", output);
        Assert.Matches(@"PASS start .* running at a new address 198\.18\.100\.\d+ \(was 198\.18\.100\.\d+\), the agent answered there", output);
    }

    [Fact]
    public void A_gap_moto_has_without_its_patch_fails_the_step_that_sees_it_and_names_it()
    {
        // Without the patch that does what the CDK's custom resource does, the default security group keeps its rules.
        var (code, output) = Rehearse(noNetwork: false, ("NETLAB_MOTO_SKIP", "restrict-default-sg"));
        Assert.True(code == 1, $"scripts/rehearse-aws.sh exited {code}, expected 1:\n{output}");
        Assert.Matches("(?m)^PASS up ", output);
        Assert.Matches("(?m)^FAIL ec2-host .*default security group", output);
        Assert.Contains("rehearse-aws: FAILED at step 'ec2-host'", output);
        Assert.DoesNotMatch("(?m)^PASS status ", output);
    }

    private ToolRun Rehearse(bool noNetwork, params (string Key, string Value)[] environment)
    {
        var env = CdkCli.Environment(_tmp);
        foreach (var (key, value) in environment)
        {
            env[key] = value;
        }

        var script = Path.Combine(Repository.Root, "scripts", "rehearse-aws.sh");
        return noNetwork
            ? Tool.Run("unshare", ["-n", "--", "bash", script], environment: env, workingDirectory: Repository.Root, timeoutSeconds: 900)
            : Tool.Run("bash", [script], environment: env, workingDirectory: Repository.Root, timeoutSeconds: 900);
    }
}
