using Amazon.CDK;
using Amazon.CDK.Assertions;

namespace NetLab.Infra.Tests.Support;

/// <summary>The stack synthesized in-process with the given context, and its template.</summary>
public sealed class LabTemplate
{
    private static readonly System.Text.Json.JsonSerializerOptions ReadableJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly string PlaceholderAgent = CreatePlaceholder();

    private LabTemplate(LabStack stack)
    {
        Stack = stack;
        Template = Template.FromStack(stack);
    }

    public LabStack Stack { get; }

    public Template Template { get; }

    /// <summary>Builds the stack as <c>cdk synth -c key=value ...</c> would (the agent binary is a placeholder here).</summary>
    public static LabTemplate Synth(params (string Key, string Value)[] context)
    {
        var app = new App(new AppProps { Context = context.ToDictionary(c => c.Key, c => (object)c.Value) });
        var settings = LabSettings.From(key => app.Node.TryGetContext(key)?.ToString());
        return new LabTemplate(new LabStack(app, "NetLabCloud", settings, PlaceholderAgent));
    }

    public IDictionary<string, IDictionary<string, object>> Resources(string type) =>
        Template.FindResources(type).ToDictionary(r => r.Key, r => (IDictionary<string, object>)r.Value);

    /// <summary>JSON as a person reads it: no \u0026 for every &amp; in a shell command.</summary>
    public static string Json(object value) =>
        System.Text.Json.JsonSerializer.Serialize(value, ReadableJson);

    /// <summary>The instance's AWS::CloudFormation::Init metadata, as JSON text.</summary>
    public string InitMetadata()
    {
        var instance = Assert.Single(Resources("AWS::EC2::Instance")).Value;
        var metadata = (IDictionary<string, object>)instance["Metadata"];
        return Json(metadata["AWS::CloudFormation::Init"]);
    }

    private static string CreatePlaceholder()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"netlab-agent-placeholder-{System.Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, NetLab.Infra.Host.AgentBinary.FileName), "placeholder for template tests; the synth test checks the real binary");
        return folder;
    }
}

/// <summary>The default stack, built once for the tests that only read it.</summary>
public sealed class DefaultStackFixture
{
    public LabTemplate Lab { get; } = LabTemplate.Synth();
}
