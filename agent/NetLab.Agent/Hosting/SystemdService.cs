using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging.Console;

namespace NetLab.Agent.Hosting;

/// <summary>
/// The agent as a <c>Type=notify</c> systemd service: READY=1 once it listens, STOPPING=1 on SIGTERM, and the
/// journal's log format. .NET's own check (<see cref="SystemdHelpers.IsSystemdService"/>) reads its parent's
/// /proc/PID/comm, which the unit's <c>ProtectProc=invisible</c> hides (PID 1 is another user's process): it
/// says no, the agent never says READY, and systemd kills it after 90 s (the boot rehearsal found this). So
/// the socket systemd gives a notify service, NOTIFY_SOCKET, is what decides here.
/// </summary>
internal static class SystemdService
{
    /// <summary>Whether systemd waits for this process to say READY.</summary>
    public static bool WaitsForReady =>
        Environment.GetEnvironmentVariable("NOTIFY_SOCKET") is { Length: > 0 } || SystemdHelpers.IsSystemdService();

    public static void UseSystemdWhenThere(this WebApplicationBuilder builder)
    {
        if (!WaitsForReady)
        {
            return;
        }

        builder.Services.Configure<ConsoleLoggerOptions>(o => o.FormatterName = ConsoleFormatterNames.Systemd);
        builder.Services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
        builder.Services.AddSingleton<IHostLifetime, SystemdLifetime>();
    }
}
