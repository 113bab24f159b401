using Amazon.CDK;
using Constructs;
using NetLab.Infra.Host;
using NetLab.Infra.Network;

namespace NetLab.Infra;

/// <summary>The whole lab: network, host, and the outputs a student needs. <c>cdk destroy</c> removes all of it.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "A CDK stack: every CDK app names its stacks FooStack, as `cdk list` shows them.")]
public sealed class LabStack : Stack
{
    /// <summary>The tag on every resource of the lab (netlab status and down look for it).</summary>
    public const string TagKey = LabTag.Key;

    /// <summary>The value of <see cref="TagKey"/>.</summary>
    public const string TagValue = LabTag.Value;

    /// <summary>Builds the stack from <paramref name="settings"/>, with the agent published to <paramref name="agentFolder"/>.</summary>
    public LabStack(Construct scope, string id, LabSettings settings, string agentFolder, IStackProps? props = null)
        : base(scope, id, props)
    {
        Amazon.CDK.Tags.Of(this).Add(TagKey, TagValue);
        Amazon.CDK.Tags.Of(this).Add("Project", "NetLabCloud");

        var network = new LabNetwork(this, "Network", settings);
        TheCdksOwnProvider();
        Host = new LabHost(this, "Host", settings, network, agentFolder);
        if (settings.MaxHours > 0)
        {
            Ceiling = new Ceiling.CostCeiling(this, "Ceiling", Host.Instance, settings.MaxHours);
        }

        NoRedundantDependsOn(network);

        var ip = Host.Instance.InstancePublicIp;
        var keyFile = "netlab-key.pem";
        Output("PublicIp", ip, "The lab host's public IPv4 address");
        Output("PublicDns", Host.Instance.InstancePublicDnsName, "The lab host's public DNS name");
        Output("ConnectCommand", $"netlab connect {ip} --port {LabPorts.Agent}", "Run every exercise against the lab host");
        Output("SshCommand", $"ssh -i {keyFile} ec2-user@{ip}", "Log in (after fetching the key)");
        Output("FetchKeyCommand",
            $"aws ssm get-parameter --region {Aws.REGION} --name /ec2/keypair/{Host.KeyPair.KeyPairId} --with-decryption --query Parameter.Value --output text > {keyFile} && chmod 400 {keyFile}",
            "Fetch the private key from SSM Parameter Store into a 0400 file");
        Output("CostCeiling",
            settings.MaxHours > 0
                ? $"AWS stops the lab host {settings.MaxHours} hours after each start, whatever the host does (Step Functions); its time-to-live may stop it sooner ({settings.TtlMinutes} minutes without lab use). See the time left: netlab status"
                : "none: maxHours=0, so only the host's own time-to-live stops it",
            "The stop AWS enforces, and when");
    }

    /// <summary>The lab host: its instance, key pair and install.</summary>
    public LabHost Host { get; }

    /// <summary>The stop AWS enforces; null when maxHours is 0.</summary>
    public Ceiling.CostCeiling? Ceiling { get; }

    /// <summary>
    /// restrictDefaultSecurityGroup is done by a custom resource the CDK itself provides (a Lambda function that
    /// runs once at deploy and removes the default security group's rules): its cdk-nag findings are the CDK's
    /// choices, suppressed with the reason, and its role, a raw CfnResource that tag aspects pass by, is tagged here.
    /// </summary>
    private void TheCdksOwnProvider()
    {
        if (Node.TryFindChild("Custom::VpcRestrictDefaultSGCustomResourceProvider") is not { } provider)
        {
            return;
        }

        var role = (CfnResource)provider.Node.FindChild("Role");
        role.AddPropertyOverride("Tags", new[]
        {
            new Dictionary<string, string> { ["Key"] = TagKey, ["Value"] = TagValue },
            new Dictionary<string, string> { ["Key"] = "Project", ["Value"] = "NetLabCloud" },
        });
        const string why = "The CDK's own provider for restrictDefaultSecurityGroup (runs once at deploy to remove the default security group's rules): ";
        Nag.Suppress(role, "AwsSolutions-IAM4", why + "it logs with the AWS managed AWSLambdaBasicExecutionRole policy.",
            "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole");
        // CDK 2.160 ships this provider on nodejs20.x, which AWS blocks for new functions since 2026-06-01 (cfn-lint
        // E2533): a stack with it cannot be created. Its handler uses only the AWS SDK v3 the runtime includes, so it
        // runs on the supported runtime with the longest life (LambdaRuntime; guarded by RuntimeLifecycleTests).
        var handler = (CfnResource)provider.Node.FindChild("Handler");
        handler.AddPropertyOverride("Runtime", LambdaRuntime);
        // In a stack without a region the CDK looked its runtime up in a per-region mapping; nothing reads it now (cfn-lint W7001).
        _ = Node.TryRemoveChild("LatestNodeRuntimeMap");
        Nag.Suppress(handler, "AwsSolutions-L1",
            $"The CDK's own provider, moved to {LambdaRuntime}: the newest Node.js runtime Lambda has (RuntimeLifecycleTests fails 180 days before AWS blocks it).");
    }

    /// <summary>The Lambda runtime of the CDK's own provider: the supported one AWS blocks last (cfn-lint's runtime lifecycle data).</summary>
    public const string LambdaRuntime = "nodejs24.x";

    /// <summary>
    /// The CDK writes a DependsOn for a role whose Ref or GetAtt the resource already holds (cfn-lint W3005): the
    /// provider's function, the instance, and the ceiling's state machine. Each keeps only what is not implied.
    /// </summary>
    private void NoRedundantDependsOn(LabNetwork network)
    {
        if (Node.TryFindChild("Custom::VpcRestrictDefaultSGCustomResourceProvider") is { } provider)
        {
            ((CfnResource)provider.Node.FindChild("Handler")).AddDeletionOverride("DependsOn"); // its Role is a GetAtt
        }

        // The instance's Ref to its role is in its cfn-init authentication. It still waits for its role's policy (cfn-init
        // reads the asset with it) and for the subnet's route to the internet, which it does not reference.
        var instance = (CfnResource)Host.Instance.Node.DefaultChild!;
        var policy = (CfnResource)Host.Instance.Role.Node.FindChild("DefaultPolicy").Node.DefaultChild!;
        var internet = network.Vpc.Node.FindAll().OfType<CfnResource>()
            .Where(r => r.CfnResourceType is "AWS::EC2::Route" or "AWS::EC2::SubnetRouteTableAssociation");
        instance.AddOverride("DependsOn", new[] { policy }.Concat(internet).Select(GetLogicalId).ToArray());

        if (Ceiling is not null)
        {
            var machine = (CfnResource)Ceiling.StateMachine.Node.DefaultChild!;
            var machinePolicy = (CfnResource)Ceiling.StateMachine.Role.Node.FindChild("DefaultPolicy").Node.DefaultChild!;
            machine.AddOverride("DependsOn", new[] { GetLogicalId(machinePolicy) }); // its RoleArn is a GetAtt
        }
    }

    private void Output(string id, string value, string description) =>
        _ = new CfnOutput(this, id, new CfnOutputProps { Value = value, Description = description });
}
