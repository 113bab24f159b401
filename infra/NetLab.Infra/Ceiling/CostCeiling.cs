using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Events.Targets;
using Amazon.CDK.AWS.StepFunctions;
using Amazon.CDK.AWS.StepFunctions.Tasks;
using Constructs;

namespace NetLab.Infra.Ceiling;

/// <summary>
/// The cost ceiling that AWS enforces, not the host: every time the lab instance reaches "running", an
/// EventBridge rule starts a Step Functions execution that waits <c>maxHours</c> and then stops the instance.
/// It holds when the host is hung, broken, or its time-to-live unit is wrong, because nothing on the host
/// takes part. Its role may do one thing: ec2:StopInstances on this instance.
/// </summary>
/// <remarks>
/// Chosen over an EventBridge Scheduler one-time schedule, which would need something (a Lambda function) to
/// create it at each start; here nothing runs but AWS's own services, and between starts nothing exists but a
/// rule and an idle state machine, which cost nothing. Each start begins its own countdown: if the host is
/// stopped and started again within <c>maxHours</c>, the earlier countdown still stops it at its own time,
/// which is sooner than the new one would (a stop is always safe: the volume keeps everything). A Standard
/// workflow may wait up to a year; a waiting execution is billed nothing but its three state transitions.
/// </remarks>
public sealed class CostCeiling : Construct
{
    private static readonly string[] Running = ["running"];

    /// <summary>Builds the rule and the state machine that stop <paramref name="instance"/> <paramref name="maxHours"/> hours after each start.</summary>
    public CostCeiling(Construct scope, string id, Instance_ instance, int maxHours)
        : base(scope, id)
    {
        var stop = new CallAwsService(this, "StopTheInstance", new CallAwsServiceProps
        {
            Comment = "Stop the lab host: the cost ceiling is reached",
            Service = "ec2",
            Action = "stopInstances",
            Parameters = new Dictionary<string, object> { ["InstanceIds"] = new[] { instance.InstanceId } },
            IamAction = "ec2:StopInstances",
            IamResources = [Stack.Of(this).FormatArn(new ArnComponents { Service = "ec2", Resource = "instance", ResourceName = instance.InstanceId })],
        });
        var wait = new Wait(this, "WaitMaxHours", new WaitProps
        {
            Comment = $"{maxHours} hours after the instance reached running",
            Time = WaitTime.Duration(Duration.Hours(maxHours)),
        });
        StateMachine = new StateMachine(this, "StopAfterMaxHours", new StateMachineProps
        {
            Comment = $"NetLabCloud cost ceiling: stop the lab host {maxHours} hours after it starts",
            DefinitionBody = DefinitionBody.FromChainable(wait.Next(stop)),
            StateMachineType = StateMachineType.STANDARD,
            Timeout = Duration.Hours(maxHours + 1),
        });

        Rule = new Rule(this, "OnRunning", new RuleProps
        {
            Description = "Start the cost ceiling's countdown when the lab host reaches running",
            EventPattern = new EventPattern
            {
                Source = ["aws.ec2"],
                DetailType = ["EC2 Instance State-change Notification"],
                Detail = new Dictionary<string, object>
                {
                    ["state"] = Running,
                    ["instance-id"] = new[] { instance.InstanceId },
                },
            },
        });
        Rule.AddTarget(new SfnStateMachine(StateMachine));
        const string history = "A two-state workflow (wait, then StopInstances) that runs once per start: its execution history in Step Functions is the record; ";
        Nag.Suppress(StateMachine, "AwsSolutions-SF1", history + "a log group would add cost and nothing to read.");
        Nag.Suppress(StateMachine, "AwsSolutions-SF2", history + "X-Ray traces of a single wait would add cost and nothing to read.");
    }

    /// <summary>The wait-then-stop workflow.</summary>
    public StateMachine StateMachine { get; }

    /// <summary>The rule that starts it when the instance reaches running.</summary>
    public Rule Rule { get; }
}
