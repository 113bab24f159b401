using System.Text.Json;
using NetLab.Infra.Tests.Support;
using NetLab.Testing;

namespace NetLab.Infra.Tests;

/// <summary>
/// cdk-nag, the CDK's own rule packs, on the synthesized template: every AwsSolutions finding is either fixed or
/// suppressed in code next to its resource, with the reason; a new finding fails this test.
/// </summary>
[Trait("Loop", "Slow")] // CDK synth (jsii)
public sealed class NagTests : IDisposable
{
    private static readonly JsonSerializerOptions FindingJson = new() { PropertyNameCaseInsensitive = true };

    private readonly string _work = Directory.CreateTempSubdirectory("netlab-nag-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Theory]
    [InlineData("0.0.0.0/0")]
    [InlineData("203.0.113.7/32")]
    public void AwsSolutions_finds_nothing_unsuppressed_and_every_suppression_says_why(string cidr)
    {
        var findings = Nag(LabTemplate.Synth(("allowedCidr", cidr)));
        var open = findings.Where(f => f.Status is "NonCompliant" or "Error").ToList();
        Assert.True(open.Count == 0, "unsuppressed cdk-nag findings:\n" + string.Join('\n', open.Select(f => $"{f.RuleId} {f.LogicalId} {f.FindingId}")));
        Assert.All(findings.Where(f => f.Status == "Suppressed"), f => Assert.True(f.Reason?.Length >= 40, $"{f.RuleId} on {f.LogicalId}: reason too thin: {f.Reason}"));

        // Fixed, not suppressed: the instance role reads only its own asset, and the default security group is closed.
        Assert.DoesNotContain(findings, f => f.RuleId == "AwsSolutions-IAM5" && f.LogicalId.StartsWith("HostInstanceInstanceRole", StringComparison.Ordinal));
        Assert.Equal(cidr == "0.0.0.0/0", findings.Any(f => f.RuleId == "AwsSolutions-EC23"));
    }

    [Fact]
    public void The_default_security_group_is_closed_by_the_CDK_s_own_custom_resource_and_the_feature_flag_says_so()
    {
        // NIST 800-53's VPCDefaultSecurityGroupClosed looks for this in the construct tree, which a re-included
        // template does not have; the template shows it.
        var lab = LabTemplate.Synth();
        var restrict = LabTemplate.Json(Assert.Single(lab.Resources("Custom::VpcRestrictDefaultSG")).Value);
        Assert.Contains("\"DefaultSecurityGroupId\":{\"Fn::GetAtt\":[\"NetworkVpc", restrict);
        var flags = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "cdk.json"))).RootElement.GetProperty("context");
        Assert.True(flags.GetProperty("@aws-cdk/aws-ec2:restrictDefaultSecurityGroup").GetBoolean());
    }

    private List<Finding> Nag(LabTemplate lab, params string[] options)
    {
        var template = Path.Combine(_work, $"template-{Guid.NewGuid():N}.json");
        File.WriteAllText(template, LabTemplate.Json(lab.Template.ToJSON()));
        var root = Repository.Root;
        var (code, output) = Tool.Run("node", [Path.Combine(root, "infra", "nag", "check.js"), template, .. options], workingDirectory: root);
        var findings = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith('{'))
            .Select(l => JsonSerializer.Deserialize<Finding>(l, FindingJson)!)
            .ToList();
        Assert.True(code is 0 or 1, $"cdk-nag did not run ({code}): {output}");
        return findings;
    }

    private sealed record Finding(string Pack, string RuleId, string Status, string LogicalId, string? FindingId, string? Reason);
}
