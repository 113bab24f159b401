using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NetLab.Agent.Text;

namespace NetLab.Agent.Hosting;

/// <summary>
/// Tells every text session 10 minutes and 1 minute before the host reaches its maximum lifetime (counted from
/// its boot), when the time-to-live stops it whatever the traffic. A warning whose time has passed when the
/// agent starts is given at once, unless a later one is due too.
/// </summary>
/// <param name="limits">The maximum lifetime.</param>
/// <param name="sessions">Who is told.</param>
/// <param name="time">The agent's clock.</param>
/// <param name="logger">Where each warning is logged too.</param>
/// <param name="bootedAt">When the host booted, on that clock.</param>
internal sealed class LifetimeWarnings(AgentLimits limits, TextSessions sessions, TimeProvider time, ILogger logger, DateTimeOffset bootedAt) : BackgroundService
{
    /// <summary>How long before the stop each warning comes.</summary>
    public static readonly TimeSpan[] Before = [TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(1)];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var max = limits.MaxLifetime;
        if (max <= TimeSpan.Zero)
        {
            return;
        }

        var stopAt = bootedAt + max;
        for (var i = 0; i < Before.Length; i++)
        {
            var now = time.GetUtcNow();
            if (now >= stopAt || (i + 1 < Before.Length && now >= stopAt - Before[i + 1]))
            {
                continue; // too late for this one: the next one (or the stop) is due
            }

            var at = stopAt - Before[i];
            if (at > now)
            {
                await Task.Delay(at - now, time, stoppingToken);
            }

            var left = stopAt - time.GetUtcNow();
            var minutes = Math.Max(1, (int)Math.Round(left.TotalMinutes));
            var line = $"WARNING this lab host stops in {minutes} minute{(minutes == 1 ? "" : "s")}: it reaches its maximum lifetime of {Durations.Format(max)} since it started. " +
                "Save what you need; start it again afterwards with netlab start.";
            Log.Lifetime(logger, $"{line} (told {sessions.Broadcast(line)} sessions)");
        }
    }
}
