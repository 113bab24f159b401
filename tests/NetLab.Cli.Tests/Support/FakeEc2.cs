using System.Collections.Concurrent;
using System.Net;
using System.Security;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace NetLab.Cli.Tests.Support;

/// <summary>An instance the fake reports.</summary>
public sealed record FakeInstance(string Region, string Id, string State, string Type, DateTime LaunchTime, string? PublicIp = null);

/// <summary>
/// A local stand-in for the EC2 query API on 127.0.0.1: answers DescribeInstances and DescribeRegions with
/// the XML the real service sends, so the real AWSSDK.EC2 client is exercised end to end. It records every
/// request's form so tests can check the filters. The region comes from the request's SigV4 credential scope.
/// </summary>
public sealed partial class FakeEc2 : IAsyncDisposable
{
    private const string Ns = "http://ec2.amazonaws.com/doc/2016-11-15/";
    private readonly WebApplication _app;

    private FakeEc2(WebApplication app) => _app = app;

    public List<FakeInstance> Instances { get; } = [];

    public List<string> Regions { get; } = ["us-east-1"];

    public ConcurrentQueue<(string Region, Dictionary<string, string> Form)> Requests { get; } = new();

    public string Url { get; private set; } = "";

    public static async Task<FakeEc2> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeEc2(app);
        app.MapPost("/", fake.HandleAsync);
        await app.StartAsync();
        fake.Url = app.Urls.First();
        return fake;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task HandleAsync(HttpContext http)
    {
        var form = (await http.Request.ReadFormAsync()).ToDictionary(f => f.Key, f => f.Value.ToString());
        var region = CredentialScope().Match(http.Request.Headers.Authorization.ToString()) is { Success: true } m ? m.Groups[1].Value : "?";
        Requests.Enqueue((region, form));
        http.Response.ContentType = "text/xml;charset=UTF-8";
        var body = form.GetValueOrDefault("Action") switch
        {
            "DescribeInstances" => DescribeInstances(region),
            "DescribeRegions" => $"<DescribeRegionsResponse xmlns=\"{Ns}\"><requestId>r-1</requestId><regionInfo>" +
                string.Concat(Regions.Select(r => $"<item><regionName>{r}</regionName><regionEndpoint>ec2.{r}.amazonaws.com</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item>")) +
                "</regionInfo></DescribeRegionsResponse>",
            var other => null,
        };
        if (body is null)
        {
            http.Response.StatusCode = (int)HttpStatusCode.BadRequest;
            body = $"<Response><Errors><Error><Code>InvalidAction</Code><Message>the fake does not do {SecurityElement.Escape(form.GetValueOrDefault("Action"))}</Message></Error></Errors><RequestID>x</RequestID></Response>";
        }

        await http.Response.WriteAsync(body);
    }

    private string DescribeInstances(string region)
    {
        var items = Instances.Where(i => i.Region == region).Select(i => $"""
            <item><reservationId>r-{i.Id}</reservationId><ownerId>123456789012</ownerId><instancesSet><item>
              <instanceId>{i.Id}</instanceId><imageId>ami-1</imageId>
              <instanceState><code>{(i.State == "running" ? 16 : 80)}</code><name>{i.State}</name></instanceState>
              <instanceType>{i.Type}</instanceType><launchTime>{i.LaunchTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}</launchTime>
              {(i.PublicIp is null ? "" : $"<ipAddress>{i.PublicIp}</ipAddress>")}
              <tagSet><item><key>netlab:lab</key><value>NetLabCloud</value></item></tagSet>
            </item></instancesSet></item>
            """);
        return $"<DescribeInstancesResponse xmlns=\"{Ns}\"><requestId>r-1</requestId><reservationSet>{string.Concat(items)}</reservationSet></DescribeInstancesResponse>";
    }

    [GeneratedRegex(@"Credential=[^/]+/\d{8}/([a-z0-9-]+)/ec2/aws4_request")]
    private static partial Regex CredentialScope();
}
