using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;

namespace NetLab.Agent.Hosting;

/// <summary>
/// <c>netlab-agent idle-check --ttl 60m</c>: asks the local agent how long it has been idle and applies
/// <see cref="IdlePolicy"/>. Exit 0 keeps the host running; exit 3 means "stop now" (the lab host's timer
/// then powers off, which EC2 turns into a stop). It executes nothing itself.
/// </summary>
public static class IdleCheckCommand
{
    public const int StopExitCode = 3;

    public static Command Create()
    {
        var ttl = OptionParsers.Duration("--ttl", "Stop after this long without a lab connection (e.g. 60m; 0s turns it off)", allowZero: true);
        ttl.Required = true;
        var port = new Option<int>("--port", "-p") { Description = "The agent's port on 127.0.0.1", DefaultValueFactory = _ => LabPorts.Agent };
        var command = new Command("idle-check", "Exit 3 when the host has had no lab connection for --ttl (the lab host's timer then stops it), else 0")
        {
            ttl, port,
        };
        command.SetAction(async (r, ct) =>
        {
            var idle = await AskAgentAsync(r.GetValue(port), ct);
            var verdict = IdlePolicy.Decide(idle, TimeSpan.FromMilliseconds(Environment.TickCount64), r.GetValue(ttl));
            Console.WriteLine($"netlab idle-check: {(verdict.Stop ? "stop" : "keep running")}: {verdict.Reason}");
            return verdict.Stop ? StopExitCode : 0;
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
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
        {
            return null;
        }
    }
}
