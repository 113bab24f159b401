using Amazon;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using NetLab.Agent;

namespace NetLab.Cli.Cloud;

/// <summary>A lab host as EC2 describes it.</summary>
internal sealed record LabInstance(string Region, string Id, string State, string Type, DateTime? LaunchTime, string? PublicIp);

/// <summary>Finds the lab's instances (by the lab's tag) with the real EC2 client.</summary>
internal static class LabInstances
{
    /// <summary>States that still exist (terminated instances linger in listings for an hour).</summary>
    private static readonly List<string> LiveStates = ["pending", "running", "stopping", "stopped", "shutting-down"];

    /// <param name="region">The region to ask.</param>
    /// <param name="endpointUrl">Another EC2 endpoint (LocalStack, a test double), like the aws CLI's --endpoint-url.</param>
    public static AmazonEC2Client Client(string region, string? endpointUrl)
    {
        var config = new AmazonEC2Config { MaxErrorRetry = 1, Timeout = TimeSpan.FromSeconds(20) };
        if (endpointUrl is null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
        else
        {
            config.ServiceURL = endpointUrl;
            config.AuthenticationRegion = region;
        }

        return new AmazonEC2Client(config);
    }

    /// <summary>The region from --region, else AWS_REGION / AWS_DEFAULT_REGION / the profile; null when none is set.</summary>
    public static string? DefaultRegion() =>
        Environment.GetEnvironmentVariable("AWS_REGION") is { Length: > 0 } r ? r
        : Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION") is { Length: > 0 } d ? d
        : FallbackRegionFactory.GetRegionEndpoint()?.SystemName;

    public static async Task<IReadOnlyList<LabInstance>> ListAsync(IAmazonEC2 ec2, string region, CancellationToken ct)
    {
        var found = new List<LabInstance>();
        string? next = null;
        do
        {
            var page = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest
            {
                Filters =
                [
                    new Filter($"tag:{LabTag.Key}", [LabTag.Value]),
                    new Filter("instance-state-name", LiveStates),
                ],
                NextToken = next,
            }, ct);
            found.AddRange((page.Reservations ?? []).SelectMany(r => r.Instances ?? []).Select(i => new LabInstance(
                region, i.InstanceId, i.State?.Name?.Value ?? "unknown", i.InstanceType?.Value ?? "unknown", i.LaunchTime?.ToUniversalTime(), i.PublicIpAddress)));
            next = page.NextToken;
        }
        while (!string.IsNullOrEmpty(next));
        return found;
    }

    public static async Task<IReadOnlyList<string>> RegionsAsync(IAmazonEC2 ec2, CancellationToken ct) =>
        ((await ec2.DescribeRegionsAsync(new DescribeRegionsRequest(), ct)).Regions ?? []).Select(r => r.RegionName).OrderBy(r => r).ToList();

    /// <summary>An AWS failure in words, with what to do about it.</summary>
    public static string Explain(Exception e) => e switch
    {
        AmazonEC2Exception { ErrorCode: "AuthFailure" or "UnauthorizedOperation" } ec2 =>
            $"AWS refused: {ec2.Message} (check the credentials: aws sts get-caller-identity)",
        AmazonServiceException service => $"AWS said: {service.Message}",
        AmazonClientException client when client.Message.Contains("credentials", StringComparison.OrdinalIgnoreCase) =>
            "no AWS credentials found: run 'aws configure' (or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
        _ => e.Message,
    };
}
