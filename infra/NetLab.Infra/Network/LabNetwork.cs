using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Constructs;

namespace NetLab.Infra.Network;

/// <summary>A VPC with one public subnet and no NAT, and the lab's firewall: exactly the lab's ports, from one CIDR.</summary>
public sealed class LabNetwork : Construct
{
    /// <summary>Builds the VPC and the security group for <paramref name="settings"/>'s allowed CIDR.</summary>
    public LabNetwork(Construct scope, string id, LabSettings settings)
        : base(scope, id)
    {
        Vpc = new Vpc(this, "Vpc", new VpcProps
        {
            MaxAzs = 1,
            NatGateways = 0,
            // The VPC's default security group allows all traffic between its members: nothing uses it, so it
            // gets no rules at all (the feature flag in cdk.json says the same for every VPC of the app).
            RestrictDefaultSecurityGroup = true,
            SubnetConfiguration = [new SubnetConfiguration { Name = "public", SubnetType = SubnetType.PUBLIC, CidrMask = 24 }],
        });

        SecurityGroup = new SecurityGroup(this, "LabPorts", new SecurityGroupProps
        {
            Vpc = Vpc,
            Description = "NetLabCloud lab host: ssh and netlab-agent (tcp and udp)",
            AllowAllOutbound = true,
        });
        var from = Peer.Ipv4(settings.AllowedCidr);
        foreach (var port in LabPorts.Exposed)
        {
            SecurityGroup.AddIngressRule(from, port.Protocol == "udp" ? Port.Udp(port.Number) : Port.Tcp(port.Number), port.Purpose);
        }

        Nag.Suppress(Vpc, "AwsSolutions-VPC7",
            "No flow logs: a one-instance lab VPC whose only traffic is the lab's own; CloudWatch Logs ingestion would cost more than the lab host, and the security group already limits who reaches it.");
        if (settings.AllowedCidr == LabSettings.AnyIPv4)
        {
            Nag.Suppress(SecurityGroup, "AwsSolutions-EC23",
                "Open to 0.0.0.0/0 only when allowedCidr is not set: the tutorial reaches the host from anywhere. netlab up sets allowedCidr to your address/32, and synth warns whenever it is open.");
            Annotations.Of(this).AddWarningV2("netlab:open-to-the-internet",
                "The lab's ports (22, 11211) are open to the whole internet (allowedCidr 0.0.0.0/0). " +
                "Restrict them to your address: cdk deploy -c allowedCidr=$(curl -s https://checkip.amazonaws.com)/32");
        }
    }

    /// <summary>The lab's VPC (its default security group closed).</summary>
    public Vpc Vpc { get; }

    /// <summary>The lab host's firewall: 22/tcp, 11211/tcp and 11211/udp from the allowed CIDR.</summary>
    public SecurityGroup SecurityGroup { get; }
}
