using NetLab.Cli.Cloud;
using NetLab.Cli.Commands;
using NetLab.Cli.Tests.Support;

namespace NetLab.Cli.Tests.Cloud;

/// <summary>
/// netlab status and down's verification, with the real EC2 client against moto (the AWS emulator); what depends on
/// a launch time in the past (uptime, cost, the ceiling's time left) is rendered from EC2's answer on a fixed clock.
/// </summary>
[Trait("Loop", "Slow")] // an AWS emulator (moto)
public sealed class StatusAndDownTests(Moto moto) : IClassFixture<Moto>, IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("netlab-down-test-").FullName;

    public Task InitializeAsync() => moto.ResetAsync();

    public Task DisposeAsync()
    {
        Directory.Delete(_work, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>A cdk destroy that does nothing but say it ran (in <see cref="CdkRan"/>).</summary>
    private Dictionary<string, string> NoOpCdk()
    {
        var script = Path.Combine(_work, "cdk");
        File.WriteAllText(script, $"#!/bin/sh\necho \"$@\" > '{CdkRan}'\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new() { ["NETLAB_CDK"] = script };
    }

    private string CdkRan => Path.Combine(_work, "cdk-ran");

    [Fact]
    public async Task Status_lists_the_lab_hosts_and_nothing_else()
    {
        var running = await moto.LaunchAsync(type: "t3.micro");
        var stopped = await moto.LaunchAsync(type: "t4g.micro", state: "stopped");
        await moto.LaunchAsync(lab: false);              // not the lab's: no tag
        await moto.LaunchAsync(state: "terminated");     // gone: EC2 lists it for an hour

        var run = await Netlab.RunAsync("status", "--region", "us-east-1", "--endpoint-url", moto.Url, "--json");
        run.AssertExit(0);
        var instances = run.Json.GetProperty("instances").EnumerateArray().ToDictionary(i => i.GetProperty("id").GetString()!);
        Assert.Equal(new[] { running.InstanceId, stopped.InstanceId }.Order(), instances.Keys.Order());
        var host = instances[running.InstanceId];
        Assert.Equal("running", host.GetProperty("state").GetString());
        Assert.Equal("t3.micro", host.GetProperty("type").GetString());
        Assert.Equal(running.PublicIpAddress, host.GetProperty("publicIp").GetString());
        Assert.Equal(8, host.GetProperty("maxHours").GetInt32());
        Assert.InRange(host.GetProperty("uptimeHours").GetDouble(), 0, 0.1); // launched just now
        Assert.Equal("stopped", instances[stopped.InstanceId].GetProperty("state").GetString());
        Assert.Equal(0m, instances[stopped.InstanceId].GetProperty("costSoFar").GetDecimal());
    }

    [Fact]
    public async Task Status_reads_the_endpoint_from_AWS_ENDPOINT_URL_and_AWS_ENDPOINT_URL_EC2_as_the_aws_CLI_does()
    {
        var host = await moto.LaunchAsync();
        foreach (var variable in new[] { "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EC2" })
        {
            var run = await Netlab.RunAsync(new Dictionary<string, string> { [variable] = moto.Url }, "status", "--region", "us-east-1", "--json");
            run.AssertExit(0);
            Assert.Equal(host.InstanceId, Assert.Single(run.Json.GetProperty("instances").EnumerateArray()).GetProperty("id").GetString());
        }

        // The EC2 one wins over the general one, as in the aws CLI.
        var both = await Netlab.RunAsync(
            new Dictionary<string, string> { ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9", ["AWS_ENDPOINT_URL_EC2"] = moto.Url }, "status", "--region", "us-east-1", "--json");
        both.AssertExit(0);
    }

    [Fact]
    public void Status_as_a_table_says_what_runs_and_what_it_costs()
    {
        var now = new DateTime(2026, 11, 24, 12, 0, 0, DateTimeKind.Utc);
        var io = Console(out var output);
        StatusCommand.Render(io, [new LabInstance("us-east-1", "i-0abc", "running", "t3.micro", now.AddHours(-10), "203.0.113.7", 8)], json: false, now);
        Assert.Contains("i-0abc", output.ToString());
        Assert.Contains("$0.0104", output.ToString());
        Assert.Contains("1 lab host(s), 1 running; compute so far $0.10", output.ToString());
    }

    [Fact]
    public async Task Status_with_nothing_says_nothing_costs_money()
    {
        var run = await Netlab.RunAsync("status", "--region", "us-east-1", "--endpoint-url", moto.Url);
        run.AssertExit(0);
        Assert.Contains("No lab hosts: nothing is running, nothing is costing money.", run.Out);
    }

    [Fact]
    public async Task All_regions_asks_every_region()
    {
        var forgotten = await moto.LaunchAsync(region: "eu-west-1", type: "t4g.micro");
        var far = await moto.LaunchAsync(region: "ap-southeast-2");
        var run = await Netlab.RunAsync("status", "--region", "us-east-1", "--all-regions", "--endpoint-url", moto.Url, "--json");
        run.AssertExit(0);
        var found = run.Json.GetProperty("instances").EnumerateArray().ToDictionary(i => i.GetProperty("id").GetString()!, i => i.GetProperty("region").GetString());
        Assert.Equal(2, found.Count);
        Assert.Equal("eu-west-1", found[forgotten.InstanceId]);
        Assert.Equal("ap-southeast-2", found[far.InstanceId]);
    }

    [Fact]
    public async Task Down_verifies_nothing_is_left()
    {
        await moto.LaunchAsync(state: "terminated");
        var run = await Netlab.RunAsync(NoOpCdk(), "down", "--yes", "--region", "us-east-1", "--endpoint-url", moto.Url);
        run.AssertExit(0);
        Assert.Contains("destroy --force --no-notices", File.ReadAllText(CdkRan));
        Assert.Contains("Nothing left: no lab host in us-east-1.", run.Out);
    }

    [Fact]
    public async Task Down_says_plainly_when_instances_are_still_running()
    {
        var one = await moto.LaunchAsync();
        var two = await moto.LaunchAsync();
        var run = await Netlab.RunAsync(NoOpCdk(), "down", "--yes", "--region", "us-east-1", "--endpoint-url", moto.Url);
        run.AssertExit(1);
        var ids = new[] { one.InstanceId, two.InstanceId }.Order().ToArray();
        Assert.Contains("NOT clean: 2 lab host(s) still there (2 running): ", run.Out);
        Assert.All(ids, id => Assert.Contains($"{id} (running)", run.Out));
        Assert.Matches($"aws ec2 terminate-instances --instance-ids ({ids[0]} {ids[1]}|{ids[1]} {ids[0]})", run.Out);

        var json = await Netlab.RunAsync(NoOpCdk(), "down", "--yes", "--region", "us-east-1", "--endpoint-url", moto.Url, "--json");
        Assert.Equal("2 still there", json.Json.GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task Down_without_yes_asks_and_an_empty_answer_destroys_nothing()
    {
        var host = await moto.LaunchAsync();
        var run = await Netlab.RunAsync(NoOpCdk(), "down", "--region", "us-east-1", "--endpoint-url", moto.Url);
        run.AssertExit(0);
        Assert.Contains("Destroy the NetLabCloud stack in us-east-1", run.Out);
        Assert.Contains("Nothing destroyed.", run.Out);
        Assert.False(File.Exists(CdkRan), "cdk destroy ran");
        Assert.Equal("running", (await moto.DescribeAsync(host.InstanceId)).State.Name.Value);
    }

    private static CliIO Console(out StringWriter output)
    {
        output = new StringWriter();
        return new CliIO(output, new StringWriter(), isTerminal: false, width: null);
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
