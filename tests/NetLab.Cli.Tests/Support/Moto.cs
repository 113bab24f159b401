using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using NetLab.Agent;
using NetLab.Testing;

namespace NetLab.Cli.Tests.Support;

/// <summary>
/// moto, the AWS emulator, as EC2 for netlab's cloud verbs: the same extended moto 5.2.1 the AWS rehearsal runs
/// (tests/aws/netlab_moto.py), on 127.0.0.1 and a port of its own, with every instance's public address 127.0.0.1,
/// so a started "host" is an agent the test runs on loopback. One per test class; <see cref="ResetAsync"/> between tests.
/// </summary>
public sealed class Moto : IAsyncLifetime
{
    /// <summary>An image id moto takes (it does not check images).</summary>
    private const string Image = "ami-0123456789abcdef0";

    private Tool? _process;

    public string Url { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var port = Netlab.FreePort();
        _process = Tool.Start(Python(), [Path.Combine(Repository.Root, "tests", "aws", "netlab_moto.py"), $"{port}"],
            new Dictionary<string, string> { ["NETLAB_MOTO_PUBLIC_RANGE"] = "127.0.0.1/32" });

        Url = $"http://127.0.0.1:{port}";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                (await http.GetAsync($"{Url}/moto-api/data.json")).EnsureSuccessStatusCode();
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                if (_process.HasExited || DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"moto did not answer on {Url} within 60 s (exited: {_process.HasExited}):\n{_process.Stdout}{_process.Stderr}");
                }

                await Task.Delay(200);
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync(); // killed, with what it started
        }
    }

    /// <summary>Forgets every instance (moto's own reset).</summary>
    public async Task ResetAsync()
    {
        using var http = new HttpClient();
        (await http.PostAsync($"{Url}/moto-api/reset", null)).EnsureSuccessStatusCode();
    }

    /// <summary>An EC2 client for <paramref name="region"/> on this moto, as a test's own hands.</summary>
    public AmazonEC2Client Ec2(string region = "us-east-1") =>
        new(new BasicAWSCredentials("testing", "testing"), new AmazonEC2Config { ServiceURL = Url, AuthenticationRegion = region });

    /// <summary>Launches an instance; a lab host (the stack's tags) unless <paramref name="lab"/> is false. Returns it as EC2 describes it.</summary>
    public async Task<Instance> LaunchAsync(string region = "us-east-1", string type = "t3.micro", bool lab = true, int? maxHours = 8, string state = "running")
    {
        using var ec2 = Ec2(region);
        List<Amazon.EC2.Model.Tag> tags = lab ? [new(LabTag.Key, LabTag.Value)] : [new("Name", "not-a-lab-host")];
        if (lab && maxHours is { } hours)
        {
            tags.Add(new(LabTag.MaxHoursKey, $"{hours}"));
        }

        var run = await ec2.RunInstancesAsync(new RunInstancesRequest
        {
            ImageId = Image,
            InstanceType = type,
            MinCount = 1,
            MaxCount = 1,
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Instance, Tags = tags }],
        });
        var id = run.Reservation.Instances[0].InstanceId;
        switch (state)
        {
            case "running":
                break;
            case "stopped":
                await ec2.StopInstancesAsync(new StopInstancesRequest { InstanceIds = [id] });
                break;
            case "terminated":
                await ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [id] });
                break;
            default:
                throw new ArgumentException($"no such state to launch into: {state}", nameof(state));
        }

        return await DescribeAsync(id, region);
    }

    public async Task<Instance> DescribeAsync(string id, string region = "us-east-1")
    {
        using var ec2 = Ec2(region);
        var found = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [id] });
        return found.Reservations.Single().Instances.Single();
    }

    /// <summary>The Python that has moto 5.2.1: python3 on PATH, else the one scripts/install-tools.sh made in .build/aws-tools.</summary>
    private static string Python()
    {
        var candidates = new[] { Tool.Require("python3"), Path.Combine(Repository.Root, ".build", "aws-tools", "bin", "python3") };
        foreach (var python in candidates.Where(File.Exists))
        {
            var (code, _) = Tool.Run(python, "-c", "import sys, moto.server; sys.exit(moto.__version__ != '5.2.1')");
            if (code == 0)
            {
                return python;
            }
        }

        throw new InvalidOperationException(
            $"moto 5.2.1 is not installed for {string.Join(" or ", candidates)}: ./test.sh runs scripts/install-tools.sh, which installs it " +
            "(pip install \"moto[server]==5.2.1\").");
    }
}
