using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.S3.Assets;
using Constructs;
using NetLab.Agent;

namespace NetLab.Infra.Host;

/// <summary>
/// The lab host: Amazon Linux 2023, IMDSv2 only, an encrypted gp3 root, a key pair whose private key goes to
/// SSM Parameter Store, and the agent installed by CloudFormationInit. Creation is signalled only once the
/// agent answers /health, so <c>cdk deploy</c> returns when the lab works.
/// </summary>
public sealed class LabHost : Construct
{
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
    }

    public KeyPair KeyPair { get; }

    public Instance_ Instance { get; }

    private static CloudFormationInit AgentInstall(Asset agent, LabSettings settings) => CloudFormationInit.FromElements(
        InitGroup.FromName(SystemdUnits.User),
        InitUser.FromName(SystemdUnits.User, new InitUserOptions { Groups = [SystemdUnits.User], HomeDir = "/var/empty" }),
        InitSource.FromExistingAsset(Path.GetDirectoryName(SystemdUnits.AgentPath)!, agent),
        InitFile.FromString("/etc/systemd/system/netlab-agent.service", SystemdUnits.Agent(settings), new InitFileOptions { Mode = "000644" }),
        InitFile.FromString("/etc/systemd/system/netlab-ttl.service", SystemdUnits.TtlService(settings), new InitFileOptions { Mode = "000644" }),
        InitFile.FromString("/etc/systemd/system/netlab-ttl.timer", SystemdUnits.TtlTimer(), new InitFileOptions { Mode = "000644" }),
        // Unzipping does not keep the file mode.
        InitCommand.ShellCommand($"chown root:root {SystemdUnits.AgentPath} && chmod 755 {SystemdUnits.AgentPath}"),
        // The certificate names the host's public IP and DNS name, read from IMDSv2 on the instance itself.
        InitCommand.ShellCommand(
            "mkdir -p /etc/netlab && T=$(curl -sX PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60') && " +
            "M=http://169.254.169.254/latest/meta-data && " +
            "echo \"NETLAB_AGENT_ARGS=--cert-name $(curl -sH \"X-aws-ec2-metadata-token: $T\" $M/public-ipv4) --cert-name $(curl -sH \"X-aws-ec2-metadata-token: $T\" $M/public-hostname)\" > " + SystemdUnits.EnvironmentFile),
        // The timer enforces the idle time-to-live and the maximum lifetime: off only when both are.
        InitCommand.ShellCommand("systemctl daemon-reload && systemctl enable --now netlab-agent.service" + (settings.TtlMinutes > 0 || settings.MaxHours > 0 ? " netlab-ttl.timer" : "")),
        // The health gate: cfn-init fails (and the creation signal says so) unless the agent answers.
        InitCommand.ShellCommand(
            $"for i in $(seq 90); do curl -fsS http://127.0.0.1:{LabPorts.Agent}/health && exit 0; sleep 2; done; " +
            "echo 'netlab-agent never answered /health' >&2; journalctl -u netlab-agent --no-pager | tail -50 >&2; exit 1"));
}
