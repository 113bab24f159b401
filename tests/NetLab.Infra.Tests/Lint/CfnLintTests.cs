using System.Globalization;
using System.Text.Json;
using NetLab.Infra.Tests.Support;

namespace NetLab.Infra.Tests.Lint;

/// <summary>
/// The template as AWS's own linter sees it: cfn-lint knows what CloudFormation will refuse (a blocked Lambda
/// runtime, a property the resource does not have) before a deploy rolls back. No error; every warning fixed or kept
/// in <see cref="KeptWarnings"/> with its reason, as the cdk-nag suppressions are. (SynthTests lints the real
/// <c>npx cdk synth</c> output too.)
/// </summary>
[Trait("Loop", "Slow")] // CDK synth (jsii) and cfn-lint
public sealed class CfnLintTests : IDisposable
{
    /// <summary>Warnings the stack accepts, by rule id, with why. None today: W3005 (a DependsOn already implied) was fixed in LabStack.</summary>
    public static readonly IReadOnlyDictionary<string, string> KeptWarnings = new Dictionary<string, string>();

    private readonly string _work = Directory.CreateTempSubdirectory("netlab-lint-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    /// <summary>The stack's shapes: the default, Graviton, no ceiling and no time-to-live, a class's CIDR (context KEY=VALUE, space-separated).</summary>
    [Theory]
    [InlineData("")]
    [InlineData("arch=arm64")]
    [InlineData("maxHours=0 ttlMinutes=0")]
    [InlineData("allowedCidr=198.51.100.0/24 instanceType=t3.small")]
    public void Cfn_lint_finds_no_error_and_no_warning_it_was_not_told_of(string context)
    {
        var template = Write(context.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Empty(Unaccepted(CfnLint.Lint(template)));
    }

    /// <summary>What cfn-lint found that the stack does not accept: errors always, warnings unless kept with a reason.</summary>
    public static IEnumerable<CfnLint.Finding> Unaccepted(IEnumerable<CfnLint.Finding> findings) =>
        findings.Where(f => f.Level == "Error" || (f.Level == "Warning" && !KeptWarnings.ContainsKey(f.Rule)));

    [Fact]
    public void The_linter_is_really_looking_it_flags_the_runtime_the_CDK_ships_its_provider_with()
    {
        // The same template with the provider's runtime put back to the one CDK 2.160 chose: cfn-lint must say E2533.
        var template = Write([]);
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(template))!;
        var function = json["Resources"]!.AsObject().Single(r => (string?)r.Value!["Type"] == "AWS::Lambda::Function").Value!;
        function["Properties"]!["Runtime"] = "nodejs20.x";
        File.WriteAllText(template, json.ToJsonString());

        var findings = CfnLint.Lint(template);
        Assert.Contains(findings, f => f.Rule == "E2533" && f.Level == "Error" && f.Message.Contains("nodejs20.x", StringComparison.Ordinal));
        Assert.NotEmpty(Unaccepted(findings));
    }

    private string Write(string[] context)
    {
        var lab = LabTemplate.Synth(context.Select(c => (c[..c.IndexOf('=', StringComparison.Ordinal)], c[(c.IndexOf('=', StringComparison.Ordinal) + 1)..])).ToArray());
        var path = Path.Combine(_work, $"template-{string.Join('-', context).Replace('/', '_')}.json");
        File.WriteAllText(path, LabTemplate.Json(lab.Template.ToJSON()));
        return path;
    }
}

/// <summary>
/// Every Lambda runtime in the template against cfn-lint's lifecycle data (LmbdRuntimeLifecycle.json, which AWS keeps
/// with the linter): the next deprecation is a red test 180 days ahead, not a stack that rolls back on deploy day.
/// </summary>
[Trait("Loop", "Slow")] // CDK synth (jsii)
public sealed class RuntimeLifecycleTests
{
    /// <summary>How long before AWS blocks a runtime this fails: time to move to a newer CDK or runtime.</summary>
    public static readonly TimeSpan Warning = TimeSpan.FromDays(180);

    [Fact]
    public void No_lambda_runtime_in_the_template_is_blocked_within_180_days()
    {
        var lifecycle = CfnLint.RuntimeLifecycle();
        var runtimes = LabTemplate.Synth().Resources("AWS::Lambda::Function")
            .Select(f => $"{((IDictionary<string, object>)f.Value["Properties"])["Runtime"]}")
            .Distinct().ToList();
        Assert.NotEmpty(runtimes); // the CDK's provider that closes the default security group

        var deadline = DateTime.UtcNow.Date + Warning;
        foreach (var runtime in runtimes)
        {
            if (!lifecycle.TryGetProperty(runtime, out var dates))
            {
                continue; // not deprecated on any date cfn-lint knows
            }

            foreach (var block in new[] { "create-block", "update-block" })
            {
                var when = DateTime.Parse(dates.GetProperty(block).GetString()!, CultureInfo.InvariantCulture);
                Assert.True(when > deadline,
                    $"Lambda runtime {runtime}: AWS blocks {block.Replace("-block", "")} on {when:yyyy-MM-dd}, within {Warning.TotalDays} days. " +
                    $"Move it to {dates.GetProperty("successor")} (LabStack.LambdaRuntime).");
            }
        }
    }

    [Fact]
    public void The_providers_runtime_is_the_supported_nodejs_runtime_that_AWS_blocks_last()
    {
        var lifecycle = CfnLint.RuntimeLifecycle();
        var nodejs = lifecycle.EnumerateObject().Where(r => r.Name.StartsWith("nodejs", StringComparison.Ordinal))
            .ToDictionary(r => r.Name, r => DateTime.Parse(r.Value.GetProperty("create-block").GetString()!, CultureInfo.InvariantCulture));
        Assert.True(nodejs.ContainsKey(LabStack.LambdaRuntime), $"cfn-lint has no lifecycle for {LabStack.LambdaRuntime}: {string.Join(", ", nodejs.Keys)}");
        var last = nodejs.MaxBy(r => r.Value);
        Assert.True(nodejs[LabStack.LambdaRuntime] == last.Value,
            $"{last.Key} is blocked later ({last.Value:yyyy-MM-dd}) than {LabStack.LambdaRuntime} ({nodejs[LabStack.LambdaRuntime]:yyyy-MM-dd}): move LabStack.LambdaRuntime to it");
        Assert.Equal(JsonValueKind.Null, lifecycle.GetProperty(LabStack.LambdaRuntime).GetProperty("successor").ValueKind);
    }
}
