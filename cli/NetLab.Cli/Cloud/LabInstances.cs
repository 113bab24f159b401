using Amazon;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using NetLab.Agent;

namespace NetLab.Cli.Cloud;

/// <summary>A lab host as EC2 describes it.</summary>
/// <param name="Region">Where it is.</param>
/// <param name="Id">Its instance id.</param>
/// <param name="State">EC2's state name: pending, running, stopping, stopped, shutting-down.</param>
/// <param name="Type">The instance type (t3.micro).</param>
/// <param name="LaunchTime">Its last start (EC2 sets the launch time again at every start), UTC.</param>
/// <param name="PublicIp">Its public address while it runs (a stop and start gives it a new one).</param>
/// <param name="MaxHours">Its cost ceiling (the stack's tag netlab:max-hours): AWS stops it this many hours after each start; null or 0: none.</param>
internal sealed record LabInstance(string Region, string Id, string State, string Type, DateTime? LaunchTime, string? PublicIp, int? MaxHours = null)
{
    /// <summary>When AWS stops it: its last start (EC2's launch time) plus the ceiling; null when it is not running or has none.</summary>
    public DateTime? CeilingAt => State == "running" && LaunchTime is { } started && MaxHours is > 0 and var hours ? started.AddHours(hours) : null;
}

/// <summary>Finds the lab's instances (by the lab's tag) with the real EC2 client.</summary>
internal static class LabInstances
{
    /// <summary>States that still exist (terminated instances linger in listings for an hour).</summary>
    private static readonly List<string> LiveStates = ["pending", "running", "stopping", "stopped", "shutting-down"];

    /// <param name="region">The region to ask.</param>
    /// <param name="endpointUrl">Another EC2 endpoint (an emulator such as moto), like the aws CLI's --endpoint-url; null: AWS.</param>
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

    /// <summary>The EC2 endpoint the environment names (AWS_ENDPOINT_URL_EC2, then AWS_ENDPOINT_URL), or null for AWS itself.</summary>
    /// <remarks>The aws CLI and the CDK CLI (AWS SDK v3) read the same two, in that order.</remarks>
    public static string? EndpointFromEnvironment(Func<string, string?> environment) =>
        environment("AWS_ENDPOINT_URL_EC2") is { Length: > 0 } ec2 ? ec2
        : environment("AWS_ENDPOINT_URL") is { Length: > 0 } all ? all
        : null;

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
            found.AddRange((page.Reservations ?? []).SelectMany(r => r.Instances ?? []).Select(i => From(region, i)));
            next = page.NextToken;
        }
        while (!string.IsNullOrEmpty(next));
        return found;
    }

    /// <summary>One instance, as EC2 describes it now; null when it is gone.</summary>
    public static async Task<LabInstance?> DescribeAsync(IAmazonEC2 ec2, string region, string id, CancellationToken ct)
    {
        var page = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [id] }, ct);
        return (page.Reservations ?? []).SelectMany(r => r.Instances ?? []).Select(i => From(region, i)).FirstOrDefault();
    }

    /// <summary>Asks EC2 to start a stopped instance; returns the state it reports (pending).</summary>
    public static async Task<string> StartAsync(IAmazonEC2 ec2, string id, CancellationToken ct)
    {
        var response = await ec2.StartInstancesAsync(new StartInstancesRequest { InstanceIds = [id] }, ct);
        return response.StartingInstances?.FirstOrDefault()?.CurrentState?.Name?.Value ?? "pending";
    }

    private static LabInstance From(string region, Instance i) => new(
        region, i.InstanceId, i.State?.Name?.Value ?? "unknown", i.InstanceType?.Value ?? "unknown", i.LaunchTime?.ToUniversalTime(), i.PublicIpAddress,
        (i.Tags ?? []).FirstOrDefault(t => t.Key == LabTag.MaxHoursKey)?.Value is { } h && int.TryParse(h, out var hours) ? hours : null);

    public static async Task<IReadOnlyList<string>> RegionsAsync(IAmazonEC2 ec2, CancellationToken ct) =>
        ((await ec2.DescribeRegionsAsync(new DescribeRegionsRequest(), ct)).Regions ?? []).Select(r => r.RegionName).OrderBy(r => r).ToList();

    /// <summary>An AWS failure in words, with what to do about it.</summary>
    public static string Explain(Exception e) => e switch
    {
        AmazonEC2Exception { ErrorCode: "IncorrectInstanceState" } ec2 =>
            $"EC2 cannot start it in its state now: {ec2.Message} (netlab status shows it; try again when it is stopped)",
        AmazonEC2Exception { ErrorCode: "AuthFailure" or "UnauthorizedOperation" } ec2 =>
            $"AWS refused: {ec2.Message} (check the credentials: aws sts get-caller-identity)",
        AmazonServiceException service => $"AWS said: {service.Message}",
        AmazonClientException client when client.Message.Contains("credentials", StringComparison.OrdinalIgnoreCase) =>
            "no AWS credentials found: run 'aws configure' (or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
        _ => e.Message,
    };
}
