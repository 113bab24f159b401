using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;

namespace NetLab.Agent.Hosting;

/// <summary>
/// <c>netlab-agent idle-check --ttl 60m --max-lifetime 8h</c>: asks the local agent (over loopback, which it never
/// refuses) how long since the last lab use, reads who is logged in, and applies <see cref="IdlePolicy"/>. Exit 0
/// keeps the host running; exit 3 means "stop now" (the lab host's timer then powers off, which EC2 turns into
/// a stop). It executes nothing itself, and needs no privilege.
/// </summary>
internal static class IdleCheckCommand
{
    public const int StopExitCode = IdleExitCodes.Stop;

    public static Command Create()
    {
        var ttl = OptionParsers.Duration("--ttl", "Stop after this long without lab use (e.g. 60m; 0s turns it off)", allowZero: true);
        ttl.Required = true;
        var max = OptionParsers.Duration("--max-lifetime", "Stop once the host has been up this long, whatever the traffic (0s = off)", new AgentLimits().MaxLifetime, allowZero: true);
        var port = OptionParsers.Port("--port", $"The agent's port on 127.0.0.1 (default {LabPorts.Agent})", aliases: "-p");
        var logins = new Option<string>("--logins") { Description = $"Login records to read for open ssh logins (default {LoginRecords.DefaultPath})", HelpName = "file" };
        var command = new Command("idle-check", "Exit 3 when the host should stop (its maximum lifetime reached, or no lab use for --ttl), else 0")
        {
            ttl, max, port, logins,
        };
        command.SetAction(async (r, ct) =>
        {
            var facts = new IdleFacts(
                await AskAgentAsync(r.ValueOr(port, LabPorts.Agent), ct),
                LoginRecords.CountOpen(r.ValueOr(logins, LoginRecords.DefaultPath)),
                HostUptime.Now,
                r.GetValue(ttl),
                r.ValueOr(max, new AgentLimits().MaxLifetime));
            var verdict = IdlePolicy.Decide(facts);
            Console.WriteLine($"netlab idle-check: {(verdict.Stop ? "stop" : "keep running")}: {verdict.Reason}");
            return verdict.Stop ? IdleExitCodes.Stop : IdleExitCodes.Keep;
        });
        return command;
    }

    private static async Task<TimeSpan?> AskAgentAsync(int port, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            var health = await http.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{port}/health", ct);
            return TimeSpan.FromSeconds(health.GetProperty("idleSeconds").GetDouble());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }
}
