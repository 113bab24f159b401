using System.CommandLine;
using NetLab.Cli.Cloud;

namespace NetLab.Cli.Commands;

/// <summary>The AWS options status and down share.</summary>
internal sealed class CloudOptions(CliIO io)
{
    public Option<string> Region { get; } = new("--region") { Description = "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, or your profile's)" };

    public Option<string> EndpointUrl { get; } = new("--endpoint-url")
    {
        Description = "Another EC2 endpoint (an emulator such as moto), like the aws CLI's --endpoint-url (default: AWS_ENDPOINT_URL_EC2, then AWS_ENDPOINT_URL)",
        HelpName = "url",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Region);
        command.Options.Add(EndpointUrl);
    }

    /// <summary>The EC2 endpoint: --endpoint-url, else AWS_ENDPOINT_URL_EC2, else AWS_ENDPOINT_URL; null: AWS itself.</summary>
    public string? Endpoint(ParseResult r) => r.GetValue(EndpointUrl) ?? LabInstances.EndpointFromEnvironment(io.Environment);

    /// <summary>The regions to look in, or an error message.</summary>
    public async Task<(IReadOnlyList<string> Regions, string? Error)> RegionsAsync(ParseResult r, bool all, CancellationToken ct)
    {
        var region = r.GetValue(Region) ?? LabInstances.DefaultRegion();
        if (region is null)
        {
            return ([], "no AWS region: pass --region (e.g. --region us-east-1) or set AWS_REGION");
        }

        if (!all)
        {
            return ([region], null);
        }

        using var ec2 = LabInstances.Client(region, Endpoint(r));
        return (await LabInstances.RegionsAsync(ec2, ct), null);
    }

    /// <summary>Every lab instance in the regions.</summary>
    public async Task<List<LabInstance>> ListAsync(ParseResult r, IReadOnlyList<string> regions, CancellationToken ct)
    {
        var all = new List<LabInstance>();
        foreach (var region in regions)
        {
            using var ec2 = LabInstances.Client(region, Endpoint(r));
            all.AddRange(await LabInstances.ListAsync(ec2, region, ct));
        }

        return all;
    }
}
