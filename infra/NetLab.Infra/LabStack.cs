using Amazon.CDK;
using Constructs;
using NetLab.Agent;
using NetLab.Infra.Host;
using NetLab.Infra.Network;

namespace NetLab.Infra;

/// <summary>The whole lab: network, host, and the outputs a student needs. <c>cdk destroy</c> removes all of it.</summary>
public sealed class LabStack : Stack
{
    public const string TagKey = LabTag.Key;
    public const string TagValue = LabTag.Value;

    public LabStack(Construct scope, string id, LabSettings settings, string agentFolder, IStackProps? props = null)
        : base(scope, id, props)
    {
        Amazon.CDK.Tags.Of(this).Add(TagKey, TagValue);
        Amazon.CDK.Tags.Of(this).Add("Project", "NetLabCloud");

        var network = new LabNetwork(this, "Network", settings);
        Host = new LabHost(this, "Host", settings, network, agentFolder);

        var ip = Host.Instance.InstancePublicIp;
        var keyFile = "netlab-key.pem";
        Output("PublicIp", ip, "The lab host's public IPv4 address");
        Output("PublicDns", Host.Instance.InstancePublicDnsName, "The lab host's public DNS name");
        Output("ConnectCommand", $"netlab connect {ip} --port {LabPorts.Agent}", "Run every exercise against the lab host");
        Output("SshCommand", $"ssh -i {keyFile} ec2-user@{ip}", "Log in (after fetching the key)");
        Output("FetchKeyCommand",
            $"aws ssm get-parameter --region {Aws.REGION} --name /ec2/keypair/{Host.KeyPair.KeyPairId} --with-decryption --query Parameter.Value --output text > {keyFile} && chmod 400 {keyFile}",
            "Fetch the private key from SSM Parameter Store into a 0400 file");
    }

    public LabHost Host { get; }

    private void Output(string id, string value, string description) =>
        _ = new CfnOutput(this, id, new CfnOutputProps { Value = value, Description = description });
}
