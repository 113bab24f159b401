using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.S3.Assets;
using Constructs;

namespace NetLab.Infra.Host;

/// <summary>
/// The lab host: Amazon Linux 2023, IMDSv2 only, an encrypted gp3 root, a key pair whose private key goes to
/// SSM Parameter Store, and the agent installed by CloudFormationInit. Creation is signalled only once the
/// agent answers /health, so <c>cdk deploy</c> returns when the lab works.
/// </summary>
public sealed class LabHost : Construct
{
    private static readonly string[] SignalActions = ["cloudformation:DescribeStackResource", "cloudformation:SignalResource"];

    /// <summary>Builds the instance in <paramref name="network"/> with the agent from <paramref name="agentFolder"/> installed.</summary>
    public LabHost(Construct scope, string id, LabSettings settings, Network.LabNetwork network, string agentFolder)
        : base(scope, id)
    {
        KeyPair = new KeyPair(this, "KeyPair", new KeyPairProps
        {
            Type = KeyPairType.ED25519,
            Format = KeyPairFormat.PEM,
        });

        // A folder holding the binary alone (AgentBinary.Bundle): the CDK uploads it zipped, cfn-init unpacks it.
        var agent = new Asset(this, "AgentBinary", new AssetProps { Path = agentFolder });

        Instance = new Instance_(this, "Instance", new InstanceProps
        {
            Vpc = network.Vpc,
            VpcSubnets = new SubnetSelection { SubnetType = SubnetType.PUBLIC },
            AssociatePublicIpAddress = true,
            SecurityGroup = network.SecurityGroup,
            InstanceType = new InstanceType(settings.InstanceType),
            MachineImage = MachineImage.LatestAmazonLinux2023(new AmazonLinux2023ImageSsmParameterProps { CpuType = settings.CpuType }),
            KeyPair = KeyPair,
            RequireImdsv2 = true,
            InstanceInitiatedShutdownBehavior = InstanceInitiatedShutdownBehavior.STOP,
            BlockDevices =
            [
                new BlockDevice
                {
                    DeviceName = "/dev/xvda",
                    Volume = BlockDeviceVolume.Ebs(8, new EbsDeviceOptions { VolumeType = EbsDeviceVolumeType.GP3, Encrypted = true, DeleteOnTermination = true }),
                },
            ],
            Init = AgentInstall(agent, settings),
            InitOptions = new ApplyCloudFormationInitOptions { Timeout = Duration.Minutes(15), PrintLog = true },
        });
        Amazon.CDK.Tags.Of(Instance).Add(MaxHoursTag, $"{settings.MaxHours}");
        ReadOnlyItsOwnAsset(agent);
        Nag.Suppress(Instance, "AwsSolutions-EC28",
            "No detailed monitoring: 1-minute CloudWatch metrics cost about $2.10 a month, more than a lab host runs; basic 5-minute monitoring stays on.");
        Nag.Suppress(Instance, "AwsSolutions-EC29",
            "No termination protection: the lab is meant to be torn down (netlab down, cdk destroy); the cost ceiling and the time-to-live stop it, and nothing deletes it unasked.");
    }

    /// <summary>The tag that tells <c>netlab status</c> the host's cost ceiling (hours after each start; 0: none).</summary>
    public const string MaxHoursTag = LabTag.MaxHoursKey;

    /// <summary>The ssh key pair (its private key in SSM Parameter Store).</summary>
    public KeyPair KeyPair { get; }

    /// <summary>The lab host's EC2 instance.</summary>
    public Instance_ Instance { get; }

    /// <summary>
    /// The instance role may read its own asset object, nothing else of the CDK's assets bucket. (The init source
    /// grants s3:GetObject*, s3:GetBucket* and s3:List* on the whole bucket; the policy is written again with
    /// the one object, and the CloudFormation calls cfn-init and cfn-signal make.)
    /// </summary>
    private void ReadOnlyItsOwnAsset(Asset agent)
    {
        var policy = (Amazon.CDK.AWS.IAM.CfnPolicy)Instance.Role.Node.FindChild("DefaultPolicy").Node.DefaultChild!;
        policy.AddPropertyOverride("PolicyDocument", new Dictionary<string, object>
        {
            ["Version"] = "2012-10-17",
            ["Statement"] = new object[]
            {
                new Dictionary<string, object>
                {
                    ["Effect"] = "Allow",
                    ["Action"] = "s3:GetObject",
                    ["Resource"] = agent.Bucket.ArnForObjects(agent.S3ObjectKey),
                },
                new Dictionary<string, object>
                {
                    ["Effect"] = "Allow",
                    ["Action"] = SignalActions,
                    ["Resource"] = Aws.STACK_ID,
                },
            },
        });
    }

    private static CloudFormationInit AgentInstall(Asset agent, LabSettings settings) => CloudFormationInit.FromElements(
        // ncat, for the tutorial's last step on the host (nc -l 11211; see netlab-agent listen).
        InitPackage.Yum("nmap-ncat"),
        InitGroup.FromName(SystemdUnits.User),
        InitUser.FromName(SystemdUnits.User, new InitUserOptions { Groups = [SystemdUnits.User], HomeDir = "/var/empty" }),
        InitSource.FromExistingAsset(Path.GetDirectoryName(SystemdUnits.AgentPath)!, agent),
        InitFile.FromString("/etc/systemd/system/netlab-agent.service", SystemdUnits.Agent(settings), new InitFileOptions { Mode = "000644" }),
        InitFile.FromString("/etc/systemd/system/netlab-ttl.service", SystemdUnits.TtlService(settings), new InitFileOptions { Mode = "000644" }),
        InitFile.FromString("/etc/systemd/system/netlab-ttl.timer", SystemdUnits.TtlTimer(), new InitFileOptions { Mode = "000644" }),
        // The certificate's names (the public IP and DNS name, from IMDSv2), written before every start of the agent.
        InitFile.FromString(SystemdUnits.CertNamesPath, SystemdUnits.CertNamesScript(), new InitFileOptions { Mode = "000755" }),
        // Unzipping does not keep the file mode.
        InitCommand.ShellCommand($"chown root:root {SystemdUnits.AgentPath} && chmod 755 {SystemdUnits.AgentPath}"),
        // The timer enforces the idle time-to-live and the maximum lifetime: off only when both are.
        InitCommand.ShellCommand("systemctl daemon-reload && systemctl enable --now netlab-agent.service" + (settings.TtlMinutes > 0 || settings.MaxHours > 0 ? " netlab-ttl.timer" : "")),
        // The health gate: cfn-init fails (and the creation signal says so) unless the agent answers.
        InitCommand.ShellCommand(
            $"for i in $(seq 90); do curl -fsS http://127.0.0.1:{LabPorts.Agent}/health && exit 0; sleep 2; done; " +
            "echo 'netlab-agent never answered /health' >&2; journalctl -u netlab-agent --no-pager | tail -50 >&2; exit 1"));
}
