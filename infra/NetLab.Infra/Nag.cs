using Amazon.CDK;
using Constructs;

namespace NetLab.Infra;

/// <summary>
/// A cdk-nag finding the stack accepts, written next to the resource with the reason (CloudFormation metadata
/// <c>cdk_nag.rules_to_suppress</c>, which cdk-nag reads from the synthesized template: infra/nag/check.js).
/// </summary>
internal static class Nag
{
    /// <param name="construct">The resource, or the construct whose default child it is.</param>
    /// <param name="rule">The rule's id, e.g. AwsSolutions-EC28.</param>
    /// <param name="reason">Why the finding is right for this lab (cdk-nag wants at least 10 characters; say why).</param>
    /// <param name="appliesTo">For rules with findings per value (IAM4, IAM5): which ones.</param>
    public static void Suppress(IConstruct construct, string rule, string reason, params string[] appliesTo)
    {
        var resource = construct as CfnResource ?? construct.Node.DefaultChild as CfnResource
            ?? throw new ArgumentException($"{construct.Node.Path} is not a CloudFormation resource");
        var existing = resource.GetMetadata("cdk_nag") is IDictionary<string, object> metadata && metadata.TryGetValue("rules_to_suppress", out var rules)
            ? ((IEnumerable<object>)rules).ToList()
            : [];
        var suppression = new Dictionary<string, object> { ["id"] = rule, ["reason"] = reason };
        if (appliesTo.Length > 0)
        {
            suppression["applies_to"] = appliesTo;
        }

        existing.Add(suppression);
        resource.AddMetadata("cdk_nag", new Dictionary<string, object> { ["rules_to_suppress"] = existing.ToArray() });
    }
}
