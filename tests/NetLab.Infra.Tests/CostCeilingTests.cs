using Amazon.CDK.Assertions;
using NetLab.Infra.Tests.Support;

namespace NetLab.Infra.Tests;

/// <summary>
/// The stop AWS enforces (an EventBridge rule on "running" starts a Step Functions wait, then ec2:StopInstances),
/// and the least privilege of every role in the stack, read from the template.
/// </summary>
[Trait("Loop", "Slow")] // CDK synth (jsii)
public class CostCeilingTests(DefaultStackFixture fixture) : IClassFixture<DefaultStackFixture>
{
    private static readonly int DefaultHours = (int)new NetLab.AgentLimits().MaxLifetime.TotalHours;

    private LabTemplate Lab => fixture.Lab;

    [Fact]
    public void A_rule_on_the_instance_reaching_running_starts_the_countdown()
    {
        var rule = Assert.Single(Lab.Resources("AWS::Events::Rule")).Value;
        var properties = (IDictionary<string, object>)rule["Properties"];
        var pattern = LabTemplate.Json(properties["EventPattern"]);
        Assert.Contains("\"source\":[\"aws.ec2\"]", pattern);
        Assert.Contains("\"detail-type\":[\"EC2 Instance State-change Notification\"]", pattern);
        Assert.Contains("\"state\":[\"running\"]", pattern);
        Assert.Contains("\"instance-id\":[{\"Ref\":\"" + InstanceId() + "\"}]", pattern);
        var target = Assert.Single((IEnumerable<object>)properties["Targets"]);
        Assert.Contains(StateMachineId(), LabTemplate.Json(target));
    }

    [Fact]
    public void The_state_machine_waits_max_hours_then_stops_the_instance()
    {
        using var definition = Definition(Lab);
        var states = definition.RootElement.GetProperty("States");
        var wait = states.GetProperty(definition.RootElement.GetProperty("StartAt").GetString()!);
        Assert.Equal("Wait", wait.GetProperty("Type").GetString());
        Assert.Equal(DefaultHours * 3600, wait.GetProperty("Seconds").GetInt32());
        var stop = states.GetProperty(wait.GetProperty("Next").GetString()!);
        Assert.Equal("arn:${AWS::Partition}:states:::aws-sdk:ec2:stopInstances", stop.GetProperty("Resource").GetString());
        Assert.True(stop.GetProperty("End").GetBoolean());
        Assert.Equal("${" + InstanceId() + "}", Assert.Single(stop.GetProperty("Parameters").GetProperty("InstanceIds").EnumerateArray()).GetString());
    }

    [Fact]
    public void The_state_machine_s_role_may_stop_this_one_instance_and_nothing_else()
    {
        var machine = (IDictionary<string, object>)Lab.Resources("AWS::StepFunctions::StateMachine")[StateMachineId()]["Properties"];
        var roleId = RefOf(machine["RoleArn"], "Fn::GetAtt");
        var statements = StatementsOf(roleId);
        var statement = Assert.Single(statements);
        Assert.Equal("Allow", $"{statement["Effect"]}");
        Assert.Equal("ec2:StopInstances", $"{statement["Action"]}");
        var resource = LabTemplate.Json(statement["Resource"]);
        Assert.Contains(":instance/", resource);
        Assert.Contains("{\"Ref\":\"" + InstanceId() + "\"}", resource);
        Assert.DoesNotContain("*", resource);

        // The rule's role may start this state machine, nothing else.
        var ruleRole = RefOf(((IEnumerable<object>)((IDictionary<string, object>)Assert.Single(Lab.Resources("AWS::Events::Rule")).Value["Properties"])["Targets"]).Cast<IDictionary<string, object>>().Single()["RoleArn"], "Fn::GetAtt");
        var start = Assert.Single(StatementsOf(ruleRole));
        Assert.Equal("states:StartExecution", $"{start["Action"]}");
        Assert.Equal("{\"Ref\":\"" + StateMachineId() + "\"}", LabTemplate.Json(start["Resource"]));
    }

    [Fact]
    public void The_instance_role_reads_its_own_asset_object_and_signals_its_own_stack_only()
    {
        var instance = (IDictionary<string, object>)Assert.Single(Lab.Resources("AWS::EC2::Instance")).Value["Properties"];
        var profile = (IDictionary<string, object>)Lab.Template.ToJSON()["Resources"] is var all && all[RefOf(instance["IamInstanceProfile"], "Ref")] is IDictionary<string, object> p
            ? (IDictionary<string, object>)p["Properties"]
            : throw new InvalidOperationException("no instance profile");
        var roleId = RefOf(Assert.Single((IEnumerable<object>)profile["Roles"]), "Ref");
        var statements = StatementsOf(roleId);
        Assert.Equal(2, statements.Count);
        Assert.Equal("s3:GetObject", $"{statements[0]["Action"]}");
        var objectArn = LabTemplate.Json(statements[0]["Resource"]);
        Assert.Matches("/[0-9a-f]{64}\\.zip\"", objectArn); // the asset's own key, not bucket/*
        Assert.Equal(["cloudformation:DescribeStackResource", "cloudformation:SignalResource"], ((IEnumerable<object>)statements[1]["Action"]).Select(a => $"{a}"));
        Assert.Equal("{\"Ref\":\"AWS::StackId\"}", LabTemplate.Json(statements[1]["Resource"]));
        Assert.DoesNotContain(statements, s => LabTemplate.Json(s).Contains("s3:List", StringComparison.Ordinal) || LabTemplate.Json(s).Contains("s3:GetBucket", StringComparison.Ordinal));
    }

    [Fact]
    public void The_instance_carries_its_ceiling_in_a_tag_and_the_outputs_say_it()
    {
        Lab.Template.HasResourceProperties("AWS::EC2::Instance", Match.ObjectLike(new Dictionary<string, object>
        {
            ["Tags"] = Match.ArrayWith([new Dictionary<string, object> { ["Key"] = "netlab:max-hours", ["Value"] = $"{DefaultHours}" }]),
        }));
        var output = LabTemplate.Json(Lab.Template.FindOutputs("CostCeiling"));
        Assert.Contains($"AWS stops the lab host {DefaultHours} hours after each start", output);
        Assert.Contains("netlab status", output);
    }

    [Fact]
    public void Max_hours_0_means_no_ceiling_and_says_so()
    {
        var lab = LabTemplate.Synth(("maxHours", "0"));
        lab.Template.ResourceCountIs("AWS::StepFunctions::StateMachine", 0);
        lab.Template.ResourceCountIs("AWS::Events::Rule", 0);
        Assert.Contains("none: maxHours=0", LabTemplate.Json(lab.Template.FindOutputs("CostCeiling")));
        lab.Template.HasResourceProperties("AWS::EC2::Instance", Match.ObjectLike(new Dictionary<string, object>
        {
            ["Tags"] = Match.ArrayWith([new Dictionary<string, object> { ["Key"] = "netlab:max-hours", ["Value"] = "0" }]),
        }));
    }

    [Fact]
    public void A_different_max_hours_changes_the_wait()
    {
        using var definition = Definition(LabTemplate.Synth(("maxHours", "3")));
        var wait = definition.RootElement.GetProperty("States").EnumerateObject().Single(s => s.Value.GetProperty("Type").GetString() == "Wait").Value;
        Assert.Equal(3 * 3600, wait.GetProperty("Seconds").GetInt32());
    }

    /// <summary>The state machine's Amazon States Language, its Fn::Join put together with each Ref as ${Name}.</summary>
    private static System.Text.Json.JsonDocument Definition(LabTemplate lab)
    {
        var machine = (IDictionary<string, object>)Assert.Single(lab.Resources("AWS::StepFunctions::StateMachine")).Value["Properties"];
        var join = (IEnumerable<object>)((IDictionary<string, object>)machine["DefinitionString"])["Fn::Join"];
        var parts = (IEnumerable<object>)join.Last();
        var text = string.Concat(parts.Select(p => p is string s ? s : "${" + RefOf(p, "Ref") + "}"));
        return System.Text.Json.JsonDocument.Parse(text);
    }

    private string InstanceId() => Assert.Single(Lab.Resources("AWS::EC2::Instance")).Key;

    private string StateMachineId() => Assert.Single(Lab.Resources("AWS::StepFunctions::StateMachine")).Key;

    /// <summary>The policy statements attached to a role (by its logical id), from every AWS::IAM::Policy in the stack.</summary>
    private List<IDictionary<string, object>> StatementsOf(string roleId) =>
        Lab.Resources("AWS::IAM::Policy").Values
            .Select(p => (IDictionary<string, object>)p["Properties"])
            .Where(p => ((IEnumerable<object>)p["Roles"]).Any(r => RefOf(r, "Ref") == roleId))
            .SelectMany(p => ((IEnumerable<object>)((IDictionary<string, object>)p["PolicyDocument"])["Statement"]).Cast<IDictionary<string, object>>())
            .ToList();

    private static string RefOf(object value, string kind)
    {
        var reference = ((IDictionary<string, object>)value)[kind];
        return reference is string name ? name : $"{((IEnumerable<object>)reference).First()}";
    }
}
