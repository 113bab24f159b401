using Amazon.CDK;
using NetLab.Infra;
using NetLab.Infra.Host;

// cdk.json runs this: read the context, publish the agent for the host's architecture, build the stack.
var app = new App();
LabSettings settings;
try
{
    settings = LabSettings.From(key => app.Node.TryGetContext(key)?.ToString());
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"netlab infra: {e.Message}");
    return 2;
}

var root = AgentBinary.RepositoryRoot(Directory.GetCurrentDirectory());
var agentFolder = System.Environment.GetEnvironmentVariable("NETLAB_AGENT_BINARY") is { Length: > 0 } prebuilt
    ? AgentBinary.Bundle(prebuilt, Path.Combine(root, ".build", "agent", "prebuilt"))
    : AgentBinary.Publish(root, settings.RuntimeId);

_ = new LabStack(app, "NetLabCloud", settings, agentFolder, new StackProps
{
    Description = "NetLabCloud: a lab host running netlab-agent on TCP and UDP 11211",
    Env = new Amazon.CDK.Environment
    {
        Account = System.Environment.GetEnvironmentVariable("CDK_DEFAULT_ACCOUNT"),
        Region = System.Environment.GetEnvironmentVariable("CDK_DEFAULT_REGION"),
    },
});
app.Synth();
return 0;
