using System.Text.Json;
using Regex = System.Text.RegularExpressions.Regex;
using Amazon.CDK.Assertions;
using NetLab.Infra.Tests.Support;
using NetLab.Testing;

namespace NetLab.Infra.Tests;

/// <summary>The template, property by property, as DESIGN.md and the stack issue describe it.</summary>
[Trait("Loop", "Slow")] // CDK synth (jsii)
public partial class StackTemplateTests(DefaultStackFixture fixture) : IClassFixture<DefaultStackFixture>
{
    private LabTemplate Lab => fixture.Lab;

    [Fact]
    public void The_security_group_opens_exactly_22_tcp_11211_tcp_and_11211_udp_from_the_allowed_cidr()
    {
        var group = Assert.Single(Lab.Resources("AWS::EC2::SecurityGroup")).Value;
        var ingress = ((IEnumerable<object>)((IDictionary<string, object>)group["Properties"])["SecurityGroupIngress"])
            .Cast<IDictionary<string, object>>()
            .Select(r => ($"{r["IpProtocol"]}", Convert.ToInt32(r["FromPort"]), Convert.ToInt32(r["ToPort"]), $"{r["CidrIp"]}"))
            .OrderBy(r => r.Item2).ThenBy(r => r.Item1)
            .ToArray();
        Assert.Equal([("tcp", 22, 22, "0.0.0.0/0"), ("tcp", 11211, 11211, "0.0.0.0/0"), ("udp", 11211, 11211, "0.0.0.0/0")], ingress);
        Lab.Template.ResourceCountIs("AWS::EC2::SecurityGroupIngress", 0);
    }

    [Fact]
    public void An_open_cidr_carries_a_warning_that_says_how_to_restrict_it()
    {
        var warnings = Annotations.FromStack(Lab.Stack).FindWarning("*", Match.StringLikeRegexp("allowedCidr"));
        var warning = Assert.Single(warnings);
        Assert.Contains("-c allowedCidr=", $"{warning.Entry.Data}");
    }

    [Fact]
    public void The_vpc_has_one_public_subnet_and_no_nat()
    {
        Lab.Template.ResourceCountIs("AWS::EC2::VPC", 1);
        Lab.Template.ResourceCountIs("AWS::EC2::Subnet", 1);
        Lab.Template.ResourceCountIs("AWS::EC2::NatGateway", 0);
        Lab.Template.HasResourceProperties("AWS::EC2::Subnet", new Dictionary<string, object> { ["MapPublicIpOnLaunch"] = true });
    }

    [Fact]
    public void The_instance_is_AL2023_t3_micro_with_IMDSv2_an_encrypted_gp3_root_and_stop_on_shutdown()
    {
        Lab.Template.HasResourceProperties("AWS::EC2::Instance", Match.ObjectLike(new Dictionary<string, object>
        {
            ["InstanceType"] = "t3.micro",
            ["InstanceInitiatedShutdownBehavior"] = "stop",
            ["BlockDeviceMappings"] = new[]
            {
                Match.ObjectLike(new Dictionary<string, object>
                {
                    ["Ebs"] = Match.ObjectLike(new Dictionary<string, object> { ["Encrypted"] = true, ["VolumeType"] = "gp3", ["DeleteOnTermination"] = true }),
                }),
            },
        }));
        Lab.Template.HasResourceProperties("AWS::EC2::LaunchTemplate", Match.ObjectLike(new Dictionary<string, object>
        {
            ["LaunchTemplateData"] = Match.ObjectLike(new Dictionary<string, object>
            {
                ["MetadataOptions"] = Match.ObjectLike(new Dictionary<string, object> { ["HttpTokens"] = "required" }),
            }),
        }));
        var parameters = Lab.Template.FindParameters("*", new Dictionary<string, object> { ["Default"] = Match.StringLikeRegexp("ami-amazon-linux-latest/al2023-ami-kernel-.*-x86_64") });
        Assert.NotEmpty(parameters);
    }

    [Fact]
    public void A_key_pair_is_created_whose_private_key_is_fetched_from_ssm()
    {
        Lab.Template.ResourceCountIs("AWS::EC2::KeyPair", 1);
        Lab.Template.HasResourceProperties("AWS::EC2::KeyPair", new Dictionary<string, object> { ["KeyType"] = "ed25519", ["KeyFormat"] = "pem" });
        var fetch = LabTemplate.Json(Lab.Template.FindOutputs("FetchKeyCommand"));
        Assert.Contains("aws ssm get-parameter", fetch);
        Assert.Contains("/ec2/keypair/", fetch);
        Assert.Contains("chmod 400", fetch);
    }

    [Fact]
    public void Creation_waits_for_a_signal_that_is_gated_on_health()
    {
        Lab.Template.HasResource("AWS::EC2::Instance", Match.ObjectLike(new Dictionary<string, object>
        {
            ["CreationPolicy"] = new Dictionary<string, object> { ["ResourceSignal"] = new Dictionary<string, object> { ["Count"] = 1, ["Timeout"] = "PT15M" } },
        }));
        var init = Lab.InitMetadata();
        Assert.Contains("curl -fsS http://127.0.0.1:11211/health && exit 0", init);
        Assert.Contains("never answered /health", init);
        var userData = LabTemplate.Json(Assert.Single(Lab.Resources("AWS::EC2::Instance")).Value["Properties"]);
        Assert.Contains("cfn-init", userData);
        Assert.Contains("cfn-signal", userData);
    }

    [Fact]
    public void The_agent_is_installed_from_an_s3_asset_as_a_hardened_systemd_service()
    {
        var init = Lab.InitMetadata();
        Assert.Contains("\"sources\":{\"/opt/netlab\"", init); // the zipped folder asset, unpacked there
        Assert.Contains("chown root:root /opt/netlab/netlab-agent && chmod 755 /opt/netlab/netlab-agent", init);
        Assert.True(
            init.IndexOf("chmod 755", StringComparison.Ordinal) < init.IndexOf("systemctl enable", StringComparison.Ordinal),
            "the agent must be executable before systemd starts it");
        Assert.Contains("\"users\":{\"netlab\"", init);
        foreach (var line in new[]
        {
            "User=netlab", "ProtectSystem=strict", "ProtectHome=yes", "NoNewPrivileges=yes", "PrivateTmp=yes",
            "StateDirectory=netlab-agent", "Restart=always",
            "Environment=DOTNET_GCgen0size=0x200000",
        })
        {
            Assert.Contains(line, init);
        }

        // One capability, CAP_NET_RAW, for the AF_PACKET capture of the lab port (issue 22), and nothing more.
        var unit = InstalledFile(init, "/etc/systemd/system/netlab-agent.service").Split('\n').Select(l => l.Trim()).Where(l => !l.StartsWith('#')).ToList();
        Assert.Equal(["CapabilityBoundingSet=CAP_NET_RAW"], unit.Where(l => l.StartsWith("CapabilityBoundingSet=", StringComparison.Ordinal)));
        Assert.Equal(["AmbientCapabilities=CAP_NET_RAW"], unit.Where(l => l.StartsWith("AmbientCapabilities=", StringComparison.Ordinal)));
        Assert.Equal(["CAP_NET_RAW"], unit.SelectMany(l => Capability().Matches(l)).Select(m => m.Value).Distinct());
        Assert.Contains(unit, l => l.StartsWith("RestrictAddressFamilies=", StringComparison.Ordinal) && l.Split(' ').Contains("AF_PACKET"));
        Assert.DoesNotMatch(Capability(), InstalledFile(init, "/etc/systemd/system/netlab-ttl.service"));

        Assert.Contains("systemctl enable --now netlab-agent.service netlab-ttl.timer", init);

        // The certificate's names come from IMDSv2 before every start (a stop and start changes the public IP).
        Assert.Contains("ExecStartPre=-+/opt/netlab/cert-names", init);
        var certNames = init[init.IndexOf("\"/opt/netlab/cert-names\":{", StringComparison.Ordinal)..];
        Assert.Contains("X-aws-ec2-metadata-token", certNames[..certNames.IndexOf('}', StringComparison.Ordinal)]);
        Assert.Contains("\"mode\":\"000755\"", init);

        // ncat, for the tutorial's last step on the host.
        Assert.Contains("\"packages\":{\"yum\":{\"nmap-ncat\":[]}}", init);
    }

    [Fact]
    public void The_idle_ttl_defaults_to_60_minutes_and_stops_the_host()
    {
        var init = Lab.InitMetadata();
        Assert.Contains("/etc/systemd/system/netlab-ttl.timer", init);
        Assert.Contains("idle-check --ttl 60m", init);
        Assert.Contains("systemctl poweroff", init);
        Assert.Contains("OnUnitActiveSec=1min", init);
    }

    [Fact]
    public void The_outputs_give_ip_dns_connect_ssh_and_key_commands()
    {
        foreach (var output in new[] { "PublicIp", "PublicDns", "ConnectCommand", "SshCommand", "FetchKeyCommand" })
        {
            Assert.NotEmpty(Lab.Template.FindOutputs(output));
        }

        var connect = LabTemplate.Json(Lab.Template.FindOutputs("ConnectCommand"));
        Assert.Contains("netlab connect ", connect);
        var ssh = LabTemplate.Json(Lab.Template.FindOutputs("SshCommand"));
        Assert.Contains("ssh -i netlab-key.pem ec2-user@", ssh);
    }

    [Fact]
    public void Nothing_is_retained_so_destroy_leaves_nothing_behind()
    {
        var resources = Lab.Template.ToJSON()["Resources"] as IDictionary<string, object>;
        Assert.NotNull(resources);
        foreach (var (name, value) in resources)
        {
            var resource = (IDictionary<string, object>)value;
            Assert.False(resource.TryGetValue("DeletionPolicy", out var deletion) && $"{deletion}" is "Retain" or "RetainExceptOnCreate", $"{name} is retained");
            Assert.False(resource.TryGetValue("UpdateReplacePolicy", out var replace) && $"{replace}" is "Retain", $"{name} is retained on replace");
        }
    }

    [Fact]
    public void Every_resource_that_takes_tags_is_tagged_as_the_lab_s()
    {
        foreach (var type in new[] { "AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::SecurityGroup", "AWS::EC2::Instance", "AWS::EC2::KeyPair", "AWS::IAM::Role", "AWS::EC2::InternetGateway" })
        {
            Lab.Template.AllResourcesProperties(type, Match.ObjectLike(new Dictionary<string, object>
            {
                ["Tags"] = Match.ArrayWith([new Dictionary<string, object> { ["Key"] = LabStack.TagKey, ["Value"] = LabStack.TagValue }]),
            }));
        }
    }

    [Fact]
    public void The_default_security_group_is_closed_by_the_feature_flag()
    {
        // cdk.json turns the flag on for every synth; the VPC sets it too, so the in-process stacks have it.
        using var cdkJson = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "cdk.json")));
        Assert.True(cdkJson.RootElement.GetProperty("context").GetProperty("@aws-cdk/aws-ec2:restrictDefaultSecurityGroup").GetBoolean());
        var restrict = Assert.Single(Lab.Resources("Custom::VpcRestrictDefaultSG")).Value;
        var properties = LabTemplate.Json(restrict["Properties"]);
        Assert.Contains("\"DefaultSecurityGroupId\":{\"Fn::GetAtt\":[\"" + Assert.Single(Lab.Resources("AWS::EC2::VPC")).Key + "\",\"DefaultSecurityGroup\"]}", properties);
    }

    /// <summary>The content of a file the install steps write (AWS::CloudFormation::Init's files), by its path.</summary>
    private static string InstalledFile(string init, string path)
    {
        using var json = JsonDocument.Parse(init);
        var files = json.RootElement.EnumerateObject()
            .Where(c => c.Value.ValueKind == JsonValueKind.Object && c.Value.TryGetProperty("files", out _))
            .SelectMany(c => c.Value.GetProperty("files").EnumerateObject())
            .Where(f => f.Name == path)
            .ToList();
        return Assert.Single(files).Value.GetProperty("content").GetString()!;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\bCAP_[A-Z_]+")]
    private static partial Regex Capability();
}
