using System.CommandLine;
using Amazon.Runtime;
using NetLab.Cli.Cloud;

namespace NetLab.Cli.Commands;

/// <summary><c>netlab down</c>: cdk destroy, then proof that no lab host is left.</summary>
internal static class DownCommand
{
    public static Command Create(CliIO io)
    {
        var cloud = new CloudOptions(io);
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation" };
        var json = CommonOptions.Json();
        var command = new Command("down", """
            Tear the lab down: runs 'npx cdk destroy' in this repository, then checks with EC2 that no lab host
            (tagged netlab:lab=NetLabCloud) is left, and says so plainly. Run it from the repository.

            Examples:
              netlab down
              netlab down --yes --region eu-west-1
            """)
        {
            yes, json,
        };
        cloud.AddTo(command);
        command.SetAction(async (r, ct) =>
        {
            var isJson = r.GetValue(json);
            var repository = Cdk.FindRepository(Directory.GetCurrentDirectory());
            if (repository is null)
            {
                return Fail.Write(io, isJson, "run `netlab down` from the NetLabCloud repository (it runs `npx cdk destroy` there, next to cdk.json)", ExitCodes.UsageOrConnection);
            }

            var (regions, regionError) = await cloud.RegionsAsync(r, all: false, ct);
            if (regionError is not null)
            {
                return Fail.Write(io, isJson, regionError, ExitCodes.UsageOrConnection);
            }

            if (!r.GetValue(yes))
            {
                var answer = io.Ask($"Destroy the NetLabCloud stack in {regions[0]} (the lab host, its network and key pair)? [y/N] ")?.Trim();
                if (answer is not ("y" or "Y" or "yes"))
                {
                    io.Line("Nothing destroyed.");
                    return ExitCodes.Success;
                }
            }

            var (code, _) = await new Cdk(io, repository).RunAsync(["destroy", "--force"], regions[0], quiet: isJson, ct);
            var destroyed = code == 0;
            List<LabInstance> left;
            try
            {
                left = await cloud.ListAsync(r, regions, ct);
            }
            catch (Exception e) when (e is AmazonClientException or HttpRequestException)
            {
                return Fail.Connection(io, isJson, $"cdk destroy {(destroyed ? "finished" : "failed")}, but checking what is left failed: {LabInstances.Explain(e)}");
            }

            // Instances already shutting down are on their way out; anything else is still there.
            var remaining = left.Where(i => i.State != "shutting-down").ToList();
            if (isJson)
            {
                io.Json(new DownDocument(
                    destroyed,
                    remaining.Select(i => new DownHost(i.Region, i.Id, i.State)).ToList(),
                    Verdict: remaining.Count == 0 ? "nothing left" : $"{remaining.Count} still there"));
            }
            else if (remaining.Count == 0)
            {
                io.Line($"Nothing left: no lab host in {regions[0]}. Nothing is costing money.");
            }
            else
            {
                var running = remaining.Count(i => i.State == "running");
                // The command stays whole on its line, however narrow the terminal, so it can be copied.
                io.Line($"NOT clean: {remaining.Count} lab host(s) still there ({running} running): " +
                    string.Join(", ", remaining.Select(i => $"{i.Id} ({i.State})")) + ". Check the AWS console, or terminate them: " +
                    $"`aws ec2 terminate-instances --instance-ids {string.Join(' ', remaining.Select(i => i.Id))}`");
            }

            return remaining.Count == 0 && destroyed ? ExitCodes.Success : ExitCodes.CheckFailed;
        });
        return command;
    }
}
