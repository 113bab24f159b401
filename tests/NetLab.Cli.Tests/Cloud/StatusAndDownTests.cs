using NetLab.Cli.Cloud;
using NetLab.Cli.Tests.Support;

namespace NetLab.Cli.Tests.Cloud;

/// <summary>netlab status and down's verification, with the real EC2 client against a local stand-in of EC2.</summary>
public class StatusAndDownTests : IAsyncLifetime
{
    private FakeEc2 _ec2 = null!;

    // cdk destroy stands in as a no-op.
    private static readonly Dictionary<string, string> NoOpCdk = new() { ["NETLAB_CDK"] = "true" };

    public async Task InitializeAsync() => _ec2 = await FakeEc2.StartAsync();

    public async Task DisposeAsync() => await _ec2.DisposeAsync();

    [Fact]
    public async Task Status_lists_lab_hosts_with_uptime_and_cost_so_far()
    {
        var now = DateTime.UtcNow;
        _ec2.Instances.Add(new FakeInstance("us-east-1", "i-0running", "running", "t3.micro", now.AddHours(-2.5), "203.0.113.7"));
        _ec2.Instances.Add(new FakeInstance("us-east-1", "i-0stopped", "stopped", "t4g.micro", now.AddDays(-3)));

        var run = await Netlab.RunAsync("status", "--region", "us-east-1", "--endpoint-url", _ec2.Url, "--json");
        run.AssertExit(0);
        var instances = run.Json.GetProperty("instances").EnumerateArray().ToDictionary(i => i.GetProperty("id").GetString()!);
        var running = instances["i-0running"];
        Assert.Equal("running", running.GetProperty("state").GetString());
        Assert.Equal("t3.micro", running.GetProperty("type").GetString());
        Assert.Equal("203.0.113.7", running.GetProperty("publicIp").GetString());
        Assert.InRange(running.GetProperty("uptimeHours").GetDouble(), 2.49, 2.52);
        Assert.InRange(running.GetProperty("costSoFar").GetDecimal(), 0.0259m, 0.0262m); // 2.5 h x $0.0104
        Assert.Equal(0m, instances["i-0stopped"].GetProperty("costSoFar").GetDecimal());

        var (_, form) = Assert.Single(_ec2.Requests);
        Assert.Equal("DescribeInstances", form["Action"]);
        var filters = form.Where(f => f.Key.StartsWith("Filter.", StringComparison.Ordinal)).ToDictionary();
        Assert.Contains(filters, f => f.Value == "tag:netlab:lab");
        Assert.Contains(filters, f => f.Value == "NetLabCloud");
    }

    [Fact]
    public async Task Status_as_a_table_says_what_runs_and_what_it_costs()
    {
        _ec2.Instances.Add(new FakeInstance("us-east-1", "i-0abc", "running", "t3.micro", DateTime.UtcNow.AddHours(-10)));
        var run = await Netlab.RunAsync("status", "--region", "us-east-1", "--endpoint-url", _ec2.Url);
        run.AssertExit(0);
        Assert.Contains("i-0abc", run.Out);
        Assert.Contains("$0.0104", run.Out);
        Assert.Contains("1 lab host(s), 1 running; compute so far $0.10", run.Out);
    }

    [Fact]
    public async Task Status_with_nothing_says_nothing_costs_money()
    {
        var run = await Netlab.RunAsync("status", "--region", "us-east-1", "--endpoint-url", _ec2.Url);
        run.AssertExit(0);
        Assert.Contains("No lab hosts: nothing is running, nothing is costing money.", run.Out);
    }

    [Fact]
    public async Task All_regions_asks_every_region()
    {
        _ec2.Regions.AddRange(["eu-west-1", "ap-southeast-2"]);
        _ec2.Instances.Add(new FakeInstance("eu-west-1", "i-0forgotten", "running", "t4g.micro", DateTime.UtcNow.AddHours(-30)));
        var run = await Netlab.RunAsync("status", "--region", "us-east-1", "--all-regions", "--endpoint-url", _ec2.Url, "--json");
        run.AssertExit(0);
        var instance = Assert.Single(run.Json.GetProperty("instances").EnumerateArray());
        Assert.Equal("eu-west-1", instance.GetProperty("region").GetString());
        Assert.Equal(["ap-southeast-2", "eu-west-1", "us-east-1"], _ec2.Requests.Where(r => r.Form["Action"] == "DescribeInstances").Select(r => r.Region).Order());
    }

    [Fact]
    public async Task Down_verifies_nothing_is_left()
    {
        var run = await Netlab.RunAsync(NoOpCdk, "down", "--yes", "--region", "us-east-1", "--endpoint-url", _ec2.Url);
        run.AssertExit(0);
        Assert.Contains("Nothing left: no lab host in us-east-1.", run.Out);
    }

    [Fact]
    public async Task Down_says_plainly_when_instances_are_still_running()
    {
        _ec2.Instances.Add(new FakeInstance("us-east-1", "i-0one", "running", "t3.micro", DateTime.UtcNow.AddHours(-1)));
        _ec2.Instances.Add(new FakeInstance("us-east-1", "i-0two", "running", "t3.micro", DateTime.UtcNow.AddHours(-1)));
        var run = await Netlab.RunAsync(NoOpCdk, "down", "--yes", "--region", "us-east-1", "--endpoint-url", _ec2.Url);
        run.AssertExit(1);
        Assert.Contains("NOT clean: 2 lab host(s) still there (2 running): i-0one (running), i-0two (running)", run.Out);
        Assert.Contains("aws ec2 terminate-instances --instance-ids i-0one i-0two", run.Out);

        var json = await Netlab.RunAsync(NoOpCdk, "down", "--yes", "--region", "us-east-1", "--endpoint-url", _ec2.Url, "--json");
        Assert.Equal("2 still there", json.Json.GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task Down_without_yes_asks_and_an_empty_answer_destroys_nothing()
    {
        var run = await Netlab.RunAsync(NoOpCdk, "down", "--region", "us-east-1", "--endpoint-url", _ec2.Url);
        run.AssertExit(0);
        Assert.Contains("Destroy the NetLabCloud stack in us-east-1", run.Out);
        Assert.Contains("Nothing destroyed.", run.Out);
        Assert.Empty(_ec2.Requests);
    }

    [Fact]
    public void Cost_is_hours_since_launch_times_the_hourly_price_and_zero_when_stopped()
    {
        var now = new DateTime(2026, 11, 24, 12, 0, 0, DateTimeKind.Utc);
        Assert.Equal(0.2496m, PriceTable.CostSoFar(new LabInstance("us-east-1", "i-1", "running", "t3.micro", now.AddHours(-24), null), now));
        Assert.Equal(0.0084m, PriceTable.CostSoFar(new LabInstance("us-east-1", "i-2", "running", "t4g.micro", now.AddHours(-1), null), now));
        Assert.Equal(0m, PriceTable.CostSoFar(new LabInstance("us-east-1", "i-3", "stopped", "t3.micro", now.AddHours(-24), null), now));
        Assert.Null(PriceTable.CostSoFar(new LabInstance("us-east-1", "i-4", "running", "x9.mega", now, null), now));
    }
}
