using System.CommandLine;
using System.Text.Json;
using NetLab.Cli.Cloud;

namespace NetLab.Cli.Commands;

/// <summary>
/// <c>netlab up</c>: <c>npx cdk deploy</c> with the lab open to this machine's public address only, the deploy's
/// progress as it comes, then the stack's outputs (how to connect, ssh, fetch the key) and the cost ceiling.
/// </summary>
internal static class UpCommand
{
    /// <summary>The stack's outputs, in the order they are shown, how each is labelled, and whether it is a command (kept whole on its line).</summary>
    private static readonly (string Key, string Label, bool IsCommand)[] Shown =
    [
        ("PublicIp", "public IP", false),
        ("PublicDns", "public DNS", false),
        ("ConnectCommand", "connect", true),
        ("FetchKeyCommand", "ssh key", true),
        ("SshCommand", "ssh", true),
        ("CostCeiling", "cost ceiling", false),
    ];

    public static Command Create(CliIO io)
    {
        var cidr = new Option<string>("--cidr")
        {
            Description = "Who may reach the lab host (the security group's source), e.g. 203.0.113.7/32; default: your public address /32, asked of checkip.amazonaws.com. " +
                "The agent trusts it: a class behind one campus NAT address gets class-sized limits. For a class, give the campus network's public CIDR, or deploy one host per student",
            HelpName = "cidr",
        };
        var region = new Option<string>("--region") { Description = "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, or your profile's)" };
        var context = new Option<string[]>("--context", "-c")
        {
            Description = "More stack settings as cdk takes them, KEY=VALUE (repeatable): ttlMinutes, maxHours, instanceType, arch, egressPerAddressPerHour, egressPerDay",
            HelpName = "key=value",
            AllowMultipleArgumentsPerToken = false,
        };
        var json = CommonOptions.Json();
        var command = new Command("up", """
            Create the lab host in AWS: runs 'npx cdk deploy' in this repository with the lab's security group open
            to your own public address only (allowedCidr=<your address>/32), shows the deploy's progress, then the
            stack's outputs: the address, how to connect and ssh, and the cost ceiling (AWS stops the host maxHours
            after each start, whatever the host does). Needs AWS credentials (aws configure) and, once per account
            and region, 'npx cdk bootstrap'. Run it from the repository.

            A class: students behind one campus NAT share one public address, which the agent would treat as one
            stranger. Deploy with --cidr set to the campus network's public CIDR (the agent then trusts it: no
            hourly egress budget per address, room for a class of 50, raw transfers taking turns), or one host per
            student with the default /32.

            Examples:
              netlab up
              netlab up --region eu-west-1
              netlab up --cidr 198.51.100.0/24        a class: the campus network, trusted by the agent
              netlab up -c ttlMinutes=30 -c maxHours=4
            """)
        {
            cidr, region, context, json,
        };
        command.SetAction(async (r, ct) =>
        {
            var isJson = r.GetValue(json);
            var repository = Cdk.FindRepository(Directory.GetCurrentDirectory());
            if (repository is null)
            {
                return Fail.Write(io, isJson, "run `netlab up` from the NetLabCloud repository (it runs `npx cdk deploy` there, next to cdk.json)", ExitCodes.UsageOrConnection);
            }

            var where = r.GetValue(region) ?? LabInstances.DefaultRegion();
            if (where is null)
            {
                return Fail.Write(io, isJson, "no AWS region: pass --region (e.g. --region us-east-1) or set AWS_REGION", ExitCodes.UsageOrConnection);
            }

            var settings = r.GetValue(context) ?? [];
            if (settings.FirstOrDefault(c => !c.Contains('=', StringComparison.Ordinal) || c.StartsWith('=')) is { } bad)
            {
                return Fail.Write(io, isJson, $"-c: '{bad}' is not KEY=VALUE (e.g. -c ttlMinutes=30)", ExitCodes.UsageOrConnection);
            }

            if (settings.Any(c => c.StartsWith("allowedCidr=", StringComparison.Ordinal)))
            {
                return Fail.Write(io, isJson, "-c allowedCidr=...: use --cidr (netlab up sets allowedCidr itself)", ExitCodes.UsageOrConnection);
            }

            string allowed;
            if (r.GetValue(cidr) is { } given)
            {
                var (parsed, error) = PublicAddress.ParseCidr(given);
                if (parsed is null)
                {
                    return Fail.Write(io, isJson, error!, ExitCodes.UsageOrConnection);
                }

                allowed = parsed;
            }
            else
            {
                var (address, error) = await PublicAddress.DetectAsync(io, ct);
                if (address is null)
                {
                    return Fail.Write(io, isJson,
                        $"could not find your public address: {error}. Pass it yourself: --cidr YOUR.ADDRESS/32 (what 'curl https://checkip.amazonaws.com' prints, " +
                        "or your router's WAN address); --cidr 0.0.0.0/0 opens the lab to the whole internet", ExitCodes.UsageOrConnection);
                }

                allowed = $"{address}/32";
                if (!isJson)
                {
                    io.Line($"Your public address is {address}: the lab host will accept connections from {allowed} only (--cidr to change).");
                }
            }

            var outputsFile = Path.Combine(Directory.CreateTempSubdirectory("netlab-up-").FullName, "outputs.json");
            try
            {
                string[] args = ["deploy", "--require-approval", "never", "--outputs-file", outputsFile, "-c", $"allowedCidr={allowed}", .. settings.SelectMany(c => new[] { "-c", c })];
                var (code, log) = await new Cdk(io, repository).RunAsync(args, where, quiet: isJson, ct);
                if (code != 0)
                {
                    var hint = log.Contains("bootstrap", StringComparison.OrdinalIgnoreCase)
                        ? $"; this account and region need the CDK's bootstrap stack once: `npx cdk bootstrap` (with AWS_REGION={where})"
                        : log.Contains("credentials", StringComparison.OrdinalIgnoreCase) ? "; no AWS credentials: run 'aws configure'" : "; its output above says why";
                    return Fail.Write(io, isJson, $"cdk deploy failed (exit {code}){hint}", ExitCodes.CheckFailed);
                }

                var outputs = ReadOutputs(outputsFile);
                if (outputs is null)
                {
                    return Fail.Write(io, isJson, $"cdk deploy finished but wrote no stack outputs to {outputsFile}", ExitCodes.CheckFailed);
                }

                Render(io, outputs, allowed, where, isJson);
                return ExitCodes.Success;
            }
            finally
            {
                Directory.Delete(Path.GetDirectoryName(outputsFile)!, recursive: true);
            }
        });
        return command;
    }

    /// <summary>The NetLabCloud stack's outputs from cdk's --outputs-file ({"NetLabCloud": {"PublicIp": ...}}).</summary>
    private static Dictionary<string, string>? ReadOutputs(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.TryGetProperty("NetLabCloud", out var stack)
            ? stack.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString())
            : null;
    }

    private static void Render(CliIO io, Dictionary<string, string> outputs, string allowed, string region, bool json)
    {
        if (json)
        {
            io.Json(new UpDocument(region, allowed, outputs));
            return;
        }

        io.Line();
        io.Line($"The lab host is up in {region}, open to {allowed}:");
        foreach (var (key, label, isCommand) in Shown)
        {
            if (outputs.TryGetValue(key, out var value))
            {
                io.Line($"  {label,-13} {(isCommand ? $"`{value}`" : value)}");
            }
        }

        if (outputs.TryGetValue("ConnectCommand", out var connect))
        {
            io.Line($"Next: `{connect}`   (`netlab status`: its state and cost; `netlab down`: remove it all)");
        }
    }
}
