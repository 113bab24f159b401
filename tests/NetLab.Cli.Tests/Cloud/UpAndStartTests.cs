using System.Text.Json;
using NetLab.Testing;
using NetLab.Cli.Cloud;
using NetLab.Cli.Commands;
using NetLab.Cli.Tests.Support;

namespace NetLab.Cli.Tests.Cloud;

/// <summary>
/// netlab up (a stand-in cdk that records its command line and writes the outputs file cdk would, and a
/// stand-in checkip service) and netlab start (the real EC2 client against moto, whose instances get 127.0.0.1 as
/// their public address, and a real agent on loopback as the started host). The whole path with the real CDK CLI
/// against moto is scripts/rehearse-aws.sh (AwsRehearsalTests).
/// </summary>
[Trait("Loop", "Slow")] // an AWS emulator (moto)
public sealed class UpAndStartTests(Moto moto) : IClassFixture<Moto>, IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("netlab-up-test-").FullName;
    private FakeCheckIp _checkIp = null!;

    public async Task InitializeAsync()
    {
        await moto.ResetAsync();
        _checkIp = await FakeCheckIp.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _checkIp.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    private string ArgsFile => Path.Combine(_work, "cdk-args");

    /// <summary>A cdk that records its arguments and AWS_REGION, prints progress as cdk deploy does, and writes --outputs-file; or fails with <paramref name="failure"/>.</summary>
    private Dictionary<string, string> Environment(string? failure = null, string? checkIp = null)
    {
        var script = Path.Combine(_work, "fake-cdk");
        var outputs = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["NetLabCloud"] = new Dictionary<string, string>
            {
                ["PublicIp"] = "203.0.113.7",
                ["PublicDns"] = "ec2-203-0-113-7.compute-1.amazonaws.com",
                ["ConnectCommand"] = "netlab connect 203.0.113.7",
                ["SshCommand"] = "ssh -i netlab-key.pem ec2-user@203.0.113.7",
                ["FetchKeyCommand"] = "aws ssm get-parameter --name /ec2/keypair/key-1 --with-decryption --query Parameter.Value --output text > netlab-key.pem && chmod 400 netlab-key.pem",
                ["CostCeiling"] = "AWS stops the lab host 8 hours after each start, whatever the host does (Step Functions)",
            },
        });
        File.WriteAllText(script, $$"""
            #!/bin/bash
            printf '%s\n' "$@" > '{{ArgsFile}}'
            echo "AWS_REGION=$AWS_REGION" >> '{{ArgsFile}}'
            echo "quiet=$CDK_DISABLE_VERSION_CHECK,$CDK_DISABLE_CLI_TELEMETRY" >> '{{ArgsFile}}'
            echo "NetLabCloud: deploying... [1/1]" >&2
            {{(failure is null ? "" : $"echo '{failure}' >&2; exit 1")}}
            echo " ✅  NetLabCloud" >&2
            while [ $# -gt 0 ]; do
              if [ "$1" = --outputs-file ]; then printf '%s' '{{outputs}}' > "$2"; fi
              shift
            done
            """);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new() { ["NETLAB_CDK"] = script, ["NETLAB_CHECKIP_URL"] = checkIp ?? _checkIp.Url };
    }

    private string[] CdkArgs() => File.ReadAllLines(ArgsFile);

    [Fact]
    public async Task Up_opens_the_lab_to_the_detected_public_address_alone_shows_progress_and_ends_with_the_outputs_and_the_ceiling()
    {
        var run = await Netlab.RunAsync(Environment(), "up", "--region", "eu-west-1");
        run.AssertExit(0);
        Assert.Equal(1, _checkIp.Requests);
        var args = CdkArgs();
        Assert.Equal(["deploy", "--require-approval", "never", "--outputs-file"], args[..4]);
        // Nothing from the CDK CLI to the internet: no notices, no version check, no telemetry.
        Assert.Equal(["-c", "allowedCidr=198.51.100.23/32", "--no-notices", "AWS_REGION=eu-west-1", "quiet=1,true"], args[5..]);

        Assert.Contains("Your public address is 198.51.100.23: the lab host will accept connections from 198.51.100.23/32 only", run.Out);
        Assert.Contains("NetLabCloud: deploying... [1/1]", run.Out); // cdk's progress, as it came
        Assert.Contains("The lab host is up in eu-west-1, open to 198.51.100.23/32:", run.Out);
        Assert.Contains("  connect       netlab connect 203.0.113.7", run.Out);
        Assert.Contains("  ssh key       aws ssm get-parameter", run.Out);
        Assert.Contains("  cost ceiling  AWS stops the lab host 8 hours after each start", run.Out);
        Assert.Contains("Next: netlab connect 203.0.113.7", run.Out);

        // On a narrow console each command comes whole, on a line of its own when it does not fit beside its label.
        var narrow = await Netlab.RunAsync(60, Environment(), "up", "--region", "eu-west-1");
        narrow.AssertExit(0);
        var lines = narrow.Out.Split('\n');
        Assert.Contains("    aws ssm get-parameter --name /ec2/keypair/key-1 --with-decryption --query Parameter.Value --output text > netlab-key.pem && chmod 400 netlab-key.pem", lines);
        Assert.Contains("  ssh           ssh -i netlab-key.pem ec2-user@203.0.113.7", lines);
        Assert.Contains("Next: netlab connect 203.0.113.7   (netlab status: its state", lines);
        Assert.Contains("  and cost; netlab down: remove it all)", lines);
    }

    [Fact]
    public async Task Up_with_a_cidr_asks_no_one_and_passes_the_other_settings_through()
    {
        var run = await Netlab.RunAsync(Environment(), "up", "--region", "us-east-1", "--cidr", "198.51.100.0/24", "-c", "ttlMinutes=30", "-c", "maxHours=4", "--json");
        run.AssertExit(0);
        Assert.Equal(0, _checkIp.Requests);
        Assert.Equal(["-c", "allowedCidr=198.51.100.0/24", "-c", "ttlMinutes=30", "-c", "maxHours=4", "--no-notices", "AWS_REGION=us-east-1", "quiet=1,true"], CdkArgs()[5..]);
        Assert.Equal("netlab.up/1", run.Json.GetProperty("schema").GetString());
        Assert.Equal("198.51.100.0/24", run.Json.GetProperty("allowedCidr").GetString());
        Assert.Equal("203.0.113.7", run.Json.GetProperty("outputs").GetProperty("PublicIp").GetString());
    }

    [Theory]
    [InlineData("10.0.0.1/33", "'/33' is not a prefix length")]
    [InlineData("198.51.100.7/24", "has host bits set; the network is 198.51.100.0/24")]
    [InlineData("lab.example", "is not an IPv4 address or CIDR")]
    [InlineData("2001:db8::1/128", "is not an IPv4 address or CIDR")]
    public async Task Up_refuses_a_cidr_the_security_group_would_not_take(string cidr, string message)
    {
        var run = await Netlab.RunAsync(Environment(), "up", "--region", "us-east-1", "--cidr", cidr);
        run.AssertExit(2);
        Assert.Contains(message, run.Error);
        Assert.False(File.Exists(ArgsFile), "cdk ran");
    }

    [Fact]
    public async Task Up_when_the_address_cannot_be_found_says_what_to_pass_and_deploys_nothing()
    {
        var closed = $"http://127.0.0.1:{Netlab.FreePort()}/";
        var run = await Netlab.RunAsync(Environment(checkIp: closed), "up", "--region", "us-east-1");
        run.AssertExit(2);
        Assert.Contains($"could not find your public address: {closed} did not answer", run.Error);
        Assert.Contains("--cidr YOUR.ADDRESS/32", run.Error);
        Assert.False(File.Exists(ArgsFile), "cdk ran");

        _checkIp.Answer = "<html>captive portal</html>";
        var portal = await Netlab.RunAsync(Environment(), "up", "--region", "us-east-1");
        portal.AssertExit(2);
        Assert.Contains("answered '<html>captive portal</html>', not an address", portal.Error);
    }

    [Fact]
    public async Task Up_when_the_account_is_not_bootstrapped_says_how_to_bootstrap()
    {
        var run = await Netlab.RunAsync(
            Environment(failure: "NetLabCloud failed: This stack uses assets, so the toolkit stack must be deployed to the environment (Run cdk bootstrap aws://123456789012/us-east-1)"),
            "up", "--region", "us-east-1");
        run.AssertExit(1);
        Assert.Contains("toolkit stack must be deployed", run.Out); // cdk's own words, shown as they came
        Assert.Contains("cdk deploy failed (exit 1); this account and region need the CDK's bootstrap stack once: npx cdk bootstrap", run.Error);
    }

    [Fact]
    public async Task Start_starts_the_stopped_host_waits_for_its_agent_and_prints_the_new_address_and_ceiling()
    {
        await using var agent = await TestAgent.StartAsync();
        var host = await moto.LaunchAsync(state: "stopped");
        var id = host.InstanceId;

        var run = await Netlab.RunAsync("start", "--region", "us-east-1", "--endpoint-url", moto.Url, "--port", $"{agent.Port}");
        run.AssertExit(0);
        Assert.Contains($"Starting {id} in us-east-1...", run.Out);
        Assert.Contains($"{id} is running at 127.0.0.1; waiting for the agent on port {agent.Port}...", run.Out);
        Assert.Contains($"{id} is up at 127.0.0.1 after", run.Out);
        Assert.Matches(@"Cost ceiling: AWS stops it at \d{4}-\d\d-\d\d \d\d:\d\d UTC \(8 hours after this start\)", run.Out);
        Assert.Contains("Next: netlab connect 127.0.0.1", run.Out);
        Assert.Equal("running", (await moto.DescribeAsync(id)).State.Name.Value);

        // On a narrow console the command still comes whole, on a line of its own if need be.
        var narrow = await Netlab.RunAsync(width: 20, CancellationToken.None, "start", "--region", "us-east-1", "--endpoint-url", moto.Url, "--port", $"{agent.Port}");
        narrow.AssertExit(0);
        Assert.Contains("  netlab connect 127.0.0.1", narrow.Out.Split('\n'));
    }

    [Fact]
    public async Task Start_of_a_running_host_starts_nothing_and_json_has_the_ceiling()
    {
        await using var agent = await TestAgent.StartAsync();
        var host = await moto.LaunchAsync();
        var launched = host.LaunchTime!.Value.ToUniversalTime();
        var run = await Netlab.RunAsync("start", "--region", "us-east-1", "--endpoint-url", moto.Url, "--port", $"{agent.Port}", "--json");
        run.AssertExit(0);
        Assert.Contains($"{host.InstanceId} is running at 127.0.0.1; waiting for the agent on port {agent.Port}...", run.Error); // progress on stderr: stdout is the document
        Assert.False(run.Json.GetProperty("started").GetBoolean());
        Assert.Equal(8, run.Json.GetProperty("maxHours").GetInt32());
        Assert.InRange(run.Json.GetProperty("ceilingAt").GetDateTime().ToUniversalTime(), launched.AddHours(8).AddSeconds(-1), launched.AddHours(8).AddSeconds(1));
        Assert.Equal(launched, (await moto.DescribeAsync(host.InstanceId)).LaunchTime!.Value.ToUniversalTime()); // not started again
    }

    [Fact]
    public async Task Start_whose_agent_never_answers_fails_after_the_timeout_and_says_where_to_look()
    {
        var port = Netlab.FreePort();
        var id = (await moto.LaunchAsync(state: "stopped")).InstanceId;
        var run = await Netlab.RunAsync("start", "--region", "us-east-1", "--endpoint-url", moto.Url, "--port", $"{port}", "--timeout", "3");
        run.AssertExit(1);
        Assert.Contains($"{id} runs at 127.0.0.1, but its agent did not answer on port {port} within 3 s", run.Error);
        Assert.Contains("sudo systemctl status netlab-agent", run.Error);
    }

    [Fact]
    public async Task Start_with_no_host_or_several_says_what_to_do()
    {
        var none = await Netlab.RunAsync("start", "--region", "us-east-1", "--endpoint-url", moto.Url);
        none.AssertExit(2);
        Assert.Contains("no lab host in us-east-1: create one with netlab up", none.Error);

        var ids = new[] { (await moto.LaunchAsync(state: "stopped")).InstanceId, (await moto.LaunchAsync(state: "stopped")).InstanceId };
        var two = await Netlab.RunAsync("start", "--region", "us-east-1", "--endpoint-url", moto.Url);
        two.AssertExit(2);
        Assert.Contains("2 lab hosts in us-east-1: say which with --instance (", two.Error);
        Assert.All(ids, id => Assert.Contains($"{id} stopped", two.Error));
    }

    [Fact]
    public void Status_shows_when_AWS_stops_each_host_and_the_time_left()
    {
        var now = new DateTime(2026, 11, 24, 12, 0, 0, DateTimeKind.Utc);
        LabInstance[] hosts =
        [
            new("us-east-1", "i-0running", "running", "t3.micro", now.AddHours(-2.5), "203.0.113.7", 8),
            new("us-east-1", "i-0stopped", "stopped", "t3.micro", now.AddDays(-1), null, 8),
            new("us-east-1", "i-0forever", "running", "t3.micro", now.AddHours(-1), "203.0.113.8", 0),
        ];

        var jsonOut = new StringWriter();
        StatusCommand.Render(new CliIO(jsonOut, new StringWriter(), isTerminal: false), hosts, json: true, now);
        using var json = JsonDocument.Parse(jsonOut.ToString());
        var instances = json.RootElement.GetProperty("instances").EnumerateArray().ToDictionary(i => i.GetProperty("id").GetString()!);
        Assert.Equal(5.5, instances["i-0running"].GetProperty("hoursLeft").GetDouble(), 2);
        Assert.Equal(JsonValueKind.Null, instances["i-0stopped"].GetProperty("hoursLeft").ValueKind);
        Assert.Equal(0, instances["i-0forever"].GetProperty("maxHours").GetInt32());

        var table = new StringWriter();
        StatusCommand.Render(new CliIO(table, new StringWriter(), isTerminal: false), hosts, json: false, now);
        Assert.Contains("17:30 (5h30m left)", table.ToString());
        Assert.Contains("8 h after a start", table.ToString());
        Assert.Contains("never (maxHours=0)", table.ToString());
    }
}
