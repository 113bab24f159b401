using Amazon.CDK.Assertions;
using NetLab.Infra.Host;
using NetLab.Infra.Tests.Support;

namespace NetLab.Infra.Tests;

/// <summary>Context values change the stack, and bad ones stop synth with a reason.</summary>
[Trait("Loop", "Slow")] // CDK synth (jsii)
public class ContextOverrideTests
{
    [Fact]
    public void A_restricted_cidr_is_used_for_every_rule_and_silences_the_warning()
    {
        var lab = LabTemplate.Synth(("allowedCidr", "203.0.113.7/32"));
        var group = LabTemplate.Json(Assert.Single(lab.Resources("AWS::EC2::SecurityGroup")).Value);
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Count(group, "\"CidrIp\":\"203.0.113.7/32\""));
        Assert.DoesNotContain("0.0.0.0/0\",\"Description\":\"SSH", group);
        Assert.Empty(Annotations.FromStack(lab.Stack).FindWarning("*", Match.StringLikeRegexp("allowedCidr")));
    }

    [Fact]
    public void Arch_arm64_picks_graviton_and_the_arm64_image()
    {
        var lab = LabTemplate.Synth(("arch", "arm64"));
        lab.Template.HasResourceProperties("AWS::EC2::Instance", Match.ObjectLike(new Dictionary<string, object> { ["InstanceType"] = "t4g.micro" }));
        Assert.NotEmpty(lab.Template.FindParameters("*", new Dictionary<string, object> { ["Default"] = Match.StringLikeRegexp("ami-amazon-linux-latest/al2023-ami-kernel-.*-arm64") }));
    }

    [Fact]
    public void Instance_type_and_ttl_are_taken_from_context()
    {
        var lab = LabTemplate.Synth(("instanceType", "t3.small"), ("ttlMinutes", "15"));
        lab.Template.HasResourceProperties("AWS::EC2::Instance", Match.ObjectLike(new Dictionary<string, object> { ["InstanceType"] = "t3.small" }));
        Assert.Contains("idle-check --ttl 15m", lab.InitMetadata());
    }

    [Fact]
    public void A_ttl_and_a_lifetime_of_zero_install_no_timer_and_either_alone_keeps_it()
    {
        Assert.Contains("systemctl enable --now netlab-agent.service\"", LabTemplate.Synth(("ttlMinutes", "0"), ("maxHours", "0")).InitMetadata());
        Assert.Contains("systemctl enable --now netlab-agent.service netlab-ttl.timer", LabTemplate.Synth(("ttlMinutes", "0")).InitMetadata());
    }

    [Fact]
    public void The_lifetime_and_the_egress_budgets_default_to_the_agent_s_and_are_taken_from_context()
    {
        var defaults = LabSettings.From(_ => null);
        Assert.Equal((8, 256L << 20, 10L << 30), (defaults.MaxHours, defaults.EgressPerAddressPerHour, defaults.EgressPerDay));
        var init = LabTemplate.Synth(("maxHours", "4"), ("egressPerAddressPerHour", "64M"), ("egressPerDay", "2G")).InitMetadata();
        Assert.Contains("--max-lifetime 4h --egress-per-address 64M --egress-per-day 2G", init);
        Assert.Contains("idle-check --ttl 60m --max-lifetime 4h", init);
    }

    [Fact]
    public void The_agent_trusts_the_security_group_s_cidr_unless_it_is_the_whole_internet()
    {
        var classroom = LabTemplate.Synth(("allowedCidr", "198.51.100.0/24")).InitMetadata();
        Assert.Contains("--egress-per-day 10G --trusted 198.51.100.0/24 $NETLAB_AGENT_ARGS", classroom);
        Assert.Contains("--trusted 203.0.113.7/32", LabSettings.From(k => k == "allowedCidr" ? "203.0.113.7/32" : null).AgentArguments());
        Assert.DoesNotContain("--trusted", LabTemplate.Synth().InitMetadata()); // 0.0.0.0/0: every protection stays
        Assert.DoesNotContain("--trusted", SystemdUnits.Agent(LabSettings.From(_ => null)));
    }

    [Theory]
    [InlineData("allowedCidr", "203.0.113.7", "is not an IPv4 CIDR")]
    [InlineData("allowedCidr", "2001:db8::/32", "is not an IPv4 CIDR")]
    [InlineData("arch", "sparc", "is not x86_64 or arm64")]
    [InlineData("instanceType", "huge", "is not an EC2 instance type")]
    [InlineData("ttlMinutes", "soon", "is not a whole number of minutes")]
    [InlineData("maxHours", "-1", "is not a whole number of hours")]
    [InlineData("egressPerDay", "lots", "is not a size such as 256M or 10G")]
    public void Bad_context_values_fail_with_a_reason(string key, string value, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => LabSettings.From(k => k == key ? value : null));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void An_instance_type_of_the_other_architecture_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => LabSettings.From(k => k switch { "arch" => "arm64", "instanceType" => "t3.micro", _ => null }));
        Assert.Contains("t3.micro is x86_64 but arch is arm64", e.Message);
        Assert.Equal("linux-arm64", LabSettings.From(k => k switch { "instanceType" => "c7gn.large", "arch" => "arm64", _ => null }).RuntimeId);
    }
}
