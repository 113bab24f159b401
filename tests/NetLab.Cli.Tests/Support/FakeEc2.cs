using System.Collections.Concurrent;
using System.Net;
using System.Security;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace NetLab.Cli.Tests.Support;

/// <summary>An instance the fake reports; StartInstances moves it along as EC2 does (pending, then running with a new address).</summary>
public sealed class FakeInstance(string region, string id, string state, string type, DateTime launchTime, string? publicIp = null, int? maxHours = null)
{
    public string Region { get; } = region;

    public string Id { get; } = id;

    public string State { get; set; } = state;

    public string Type { get; } = type;

    /// <summary>EC2 sets it again at every start.</summary>
    public DateTime LaunchTime { get; set; } = launchTime;

    public string? PublicIp { get; set; } = publicIp;

    /// <summary>The stack's netlab:max-hours tag; null: no such tag.</summary>
    public int? MaxHours { get; } = maxHours;

    /// <summary>The public address it gets when started (a stop and start gives a new one).</summary>
    public string? AddressAfterStart { get; init; }

    /// <summary>How many DescribeInstances calls see it pending after StartInstances.</summary>
    public int PendingDescribes { get; set; } = 2;
}

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
            "DescribeInstances" => DescribeInstances(region, form.GetValueOrDefault("InstanceId.1")),
            "StartInstances" => StartInstances(region, form.GetValueOrDefault("InstanceId.1")),
            "DescribeRegions" => $"<DescribeRegionsResponse xmlns=\"{Ns}\"><requestId>r-1</requestId><regionInfo>" +
                string.Concat(Regions.Select(r => $"<item><regionName>{r}</regionName><regionEndpoint>ec2.{r}.amazonaws.com</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item>")) +
                "</regionInfo></DescribeRegionsResponse>",
            _ => null,
        };
        if (body is null or { Length: 0 })
        {
            http.Response.StatusCode = (int)HttpStatusCode.BadRequest;
            body = body is null
                ? Error("InvalidAction", $"the fake does not do {form.GetValueOrDefault("Action")}")
                : Error("IncorrectInstanceState", $"The instance '{form.GetValueOrDefault("InstanceId.1")}' is not in a state from which it can be started.");
        }

        await http.Response.WriteAsync(body);
    }

    private static string Error(string code, string message) =>
        $"<Response><Errors><Error><Code>{code}</Code><Message>{SecurityElement.Escape(message)}</Message></Error></Errors><RequestID>x</RequestID></Response>";

    private static int Code(string state) => state switch { "pending" => 0, "running" => 16, "shutting-down" => 32, "stopping" => 64, _ => 80 };

    /// <summary>Empty when the instance cannot be started (the handler turns that into IncorrectInstanceState).</summary>
    private string? StartInstances(string region, string? id)
    {
        lock (Instances)
        {
            var instance = Instances.FirstOrDefault(i => i.Region == region && i.Id == id);
            if (instance is null || instance.State != "stopped")
            {
                return "";
            }

            instance.State = "pending";
            instance.PublicIp = null;
            return $"<StartInstancesResponse xmlns=\"{Ns}\"><requestId>r-1</requestId><instancesSet><item><instanceId>{id}</instanceId>" +
                "<currentState><code>0</code><name>pending</name></currentState><previousState><code>80</code><name>stopped</name></previousState>" +
                "</item></instancesSet></StartInstancesResponse>";
        }
    }

    private string DescribeInstances(string region, string? id)
    {
        lock (Instances)
        {
            foreach (var pending in Instances.Where(i => i.State == "pending" && (id is null || i.Id == id)))
            {
                if (--pending.PendingDescribes < 0)
                {
                    pending.State = "running";
                    pending.LaunchTime = DateTime.UtcNow;
                    pending.PublicIp = pending.AddressAfterStart;
                }
            }
        }

        var items = Instances.Where(i => i.Region == region && (id is null || i.Id == id)).Select(i => $"""
            <item><reservationId>r-{i.Id}</reservationId><ownerId>123456789012</ownerId><instancesSet><item>
              <instanceId>{i.Id}</instanceId><imageId>ami-1</imageId>
              <instanceState><code>{Code(i.State)}</code><name>{i.State}</name></instanceState>
              <instanceType>{i.Type}</instanceType><launchTime>{i.LaunchTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}</launchTime>
              {(i.PublicIp is null ? "" : $"<ipAddress>{i.PublicIp}</ipAddress>")}
              <tagSet><item><key>netlab:lab</key><value>NetLabCloud</value></item>{(i.MaxHours is { } h ? $"<item><key>netlab:max-hours</key><value>{h}</value></item>" : "")}</tagSet>
            </item></instancesSet></item>
            """);
        return $"<DescribeInstancesResponse xmlns=\"{Ns}\"><requestId>r-1</requestId><reservationSet>{string.Concat(items)}</reservationSet></DescribeInstancesResponse>";
    }

    [GeneratedRegex(@"Credential=[^/]+/\d{8}/([a-z0-9-]+)/ec2/aws4_request")]
    private static partial Regex CredentialScope();
}
