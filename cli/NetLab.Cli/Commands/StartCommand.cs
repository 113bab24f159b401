using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Amazon.Runtime;
using NetLab.Agent;
using NetLab.Agent.Hosting;
using NetLab.Cli.Cloud;

namespace NetLab.Cli.Commands;

/// <summary>
/// <c>netlab start</c>: starts the stopped lab host (its time-to-live or the cost ceiling stopped it), waits
/// until EC2 says running and the agent answers, and prints the new address (a stop and start changes it).
/// </summary>
internal static class StartCommand
{
    public static Command Create(CliIO io)
    {
        var cloud = new CloudOptions(io);
        var instance = new Option<string>("--instance") { Description = "Which lab host, when there are several (an instance id from netlab status)", HelpName = "id" };
        var port = CommonOptions.Port("The agent's port, asked until it answers");
        var timeout = Seconds.Option("--timeout", "Give up after this long; a t3.micro boots in about a minute", "300");
        var json = CommonOptions.Json();
        var command = new Command("start", """
            Start the lab host again after it was stopped (by its idle time-to-live, its maximum lifetime, the cost
            ceiling, or you): asks EC2 to start it, waits until it runs and its agent answers, then prints its new
            public address; a stop and start gives it a new one, and its certificate names the new one too.

            Examples:
              netlab start
              netlab start --region eu-west-1
              netlab start --instance i-0123456789abcdef0 --json
            """)
        {
            instance, port, timeout, json,
        };
        cloud.AddTo(command);
        command.SetAction(async (r, ct) =>
        {
            var isJson = r.GetValue(json);
            var (regions, regionError) = await cloud.RegionsAsync(r, all: false, ct);
            if (regionError is not null)
            {
                return Fail.Write(io, isJson, regionError, ExitCodes.UsageOrConnection);
            }

            using var ec2 = LabInstances.Client(regions[0], cloud.Endpoint(r));
            return await RunAsync(io, ec2, regions[0], r.GetValue(instance), r.ValueOr(port, LabPorts.Agent), r.ValueOr(timeout, TimeSpan.FromSeconds(300)), isJson, ct);
        });
        return command;
    }

    /// <summary>Finds the lab host, starts it unless it runs, waits for it and its agent, and says where it is.</summary>
    private static async Task<int> RunAsync(
        CliIO io, Amazon.EC2.IAmazonEC2 ec2, string region, string? wanted, int agentPort, TimeSpan limit, bool json, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var hosts = (await LabInstances.ListAsync(ec2, region, ct)).Where(i => i.State != "shutting-down").ToList();
            var host = wanted is null ? (hosts.Count == 1 ? hosts[0] : null) : hosts.FirstOrDefault(h => h.Id == wanted);
            if (host is null)
            {
                return Fail.Write(io, json, NoSuchHost(hosts, region, wanted), ExitCodes.UsageOrConnection);
            }

            var wasRunning = host.State is "running" or "pending";
            if (!wasRunning)
            {
                host = await StartAsync(io, ec2, region, host, clock, limit, json, ct);
            }

            host = await WaitForStateAsync(ec2, region, host, "running", clock, limit, io, json, ct);
            if (host.PublicIp is null)
            {
                return Fail.Write(io, json, $"{host.Id} is running but has no public address (was its subnet changed?)", ExitCodes.CheckFailed);
            }

            io.Progress($"{host.Id} is running at {host.PublicIp}; waiting for the agent on port {agentPort}...", json);
            if (!await WaitForAgentAsync(host.PublicIp, agentPort, clock, limit, ct))
            {
                return Fail.Write(io, json,
                    $"{host.Id} runs at {host.PublicIp}, but its agent did not answer on port {agentPort} within {limit.TotalSeconds:0} s: " +
                    $"ssh in and look: `sudo systemctl status netlab-agent` (is your address still the allowed one? `netlab up` again after moving networks)",
                    ExitCodes.CheckFailed);
            }

            Render(io, host, wasRunning, clock.Elapsed, json);
            return ExitCodes.Success;
        }
        catch (Exception e) when (e is AmazonClientException or HttpRequestException)
        {
            return Fail.Connection(io, json, LabInstances.Explain(e));
        }
        catch (TimeoutException e)
        {
            return Fail.Write(io, json, e.Message, ExitCodes.CheckFailed);
        }
    }

    /// <summary>Why there is no one lab host to start: the one asked for is not there, or there is none, or several.</summary>
    private static string NoSuchHost(List<LabInstance> hosts, string region, string? wanted) =>
        wanted is not null ? $"no lab host {wanted} in {region} (`netlab status` lists them)"
        : hosts.Count == 0 ? $"no lab host in {region}: create one with `netlab up`"
        : $"{hosts.Count} lab hosts in {region}: say which with --instance ({string.Join(", ", hosts.Select(h => $"{h.Id} {h.State}"))})";

    /// <summary>Asks EC2 to start the stopped host (once a stopping one has stopped); the host as last seen.</summary>
    private static async Task<LabInstance> StartAsync(
        CliIO io, Amazon.EC2.IAmazonEC2 ec2, string region, LabInstance host, Stopwatch clock, TimeSpan limit, bool json, CancellationToken ct)
    {
        if (host.State == "stopping")
        {
            io.Progress($"{host.Id} is still stopping; starting it once it has stopped...", json);
            host = await WaitForStateAsync(ec2, region, host, "stopped", clock, limit, io, json, ct);
        }

        await LabInstances.StartAsync(ec2, host.Id, ct);
        io.Progress($"Starting {host.Id} in {region}...", json);
        return host;
    }

    private static async Task<LabInstance> WaitForStateAsync(
        Amazon.EC2.IAmazonEC2 ec2, string region, LabInstance host, string state, Stopwatch clock, TimeSpan limit, CliIO io, bool json, CancellationToken ct)
    {
        var last = host.State;
        while (true)
        {
            var now = await LabInstances.DescribeAsync(ec2, region, host.Id, ct)
                ?? throw new TimeoutException($"{host.Id} is gone (terminated?): `netlab status`");
            if (now.State == state && (state != "running" || now.PublicIp is not null))
            {
                return now;
            }

            if (now.State != last)
            {
                io.Progress($"  {now.State} ({clock.Elapsed.TotalSeconds:0} s)", json);
                last = now.State;
            }

            if (now.State is "terminated" or "shutting-down")
            {
                throw new TimeoutException($"{host.Id} is {now.State}: it cannot be started again; `netlab up` creates a new lab host");
            }

            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"{host.Id} is still {now.State} after {limit.TotalSeconds:0} s (--timeout to wait longer; `netlab status` shows it)");
            }

            await Task.Delay(Poll, ct);
        }
    }

    /// <summary>Until GET /health answers 200, or the time is up. Just booted, the host refuses, then times out, then answers.</summary>
    private static async Task<bool> WaitForAgentAsync(string address, int port, Stopwatch clock, TimeSpan limit, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var url = $"http://{(address.Contains(':', StringComparison.Ordinal) ? $"[{address}]" : address)}:{port}/health";
        while (clock.Elapsed < limit)
        {
            try
            {
                using var response = await http.GetAsync(url, ct);
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                // Not yet: the agent starts a few seconds after the network.
            }

            await Task.Delay(Poll, ct);
        }

        return false;
    }

    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(2);

    private static void Render(CliIO io, LabInstance host, bool wasRunning, TimeSpan took, bool json)
    {
        var ceiling = host.CeilingAt;
        if (json)
        {
            io.Json(new StartDocument(host.Region, host.Id, host.State, host.PublicIp, Started: !wasRunning, Math.Round(took.TotalSeconds, 1), host.MaxHours, ceiling));
            return;
        }

        io.Line(wasRunning
            ? $"{host.Id} was already running, at {host.PublicIp}; its agent answers."
            : $"{host.Id} is up at {host.PublicIp} after {took.TotalSeconds:0} s, and its agent answers. (A stop and start gives a new address; its certificate names this one.)");
        if (ceiling is { } at)
        {
            io.Line($"Cost ceiling: AWS stops it at {at.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC ({host.MaxHours} hours after this start), whatever it is doing.");
        }

        io.Line($"Next: `netlab connect {host.PublicIp}`");
    }
}
