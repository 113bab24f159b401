using System.Diagnostics;
using NetLab.Testing;

namespace NetLab.Infra.Tests.Boot;

/// <summary>
/// A root file system booted with systemd as PID 1 by systemd-nspawn, in the rehearsal's network namespace.
/// This machine has no machined (no system bus), so nspawn runs with <c>--register=no --keep-unit</c>;
/// commands run inside with <c>nsenter</c> into the container's PID 1. Disposing powers it off (or kills it).
/// </summary>
internal sealed class BootedHost : IAsyncDisposable
{
    private readonly Tool _nspawn;
    private readonly string _log;

    private BootedHost(Tool nspawn, string log, int leader)
    {
        _nspawn = nspawn;
        _log = log;
        Leader = leader;
    }

    /// <summary>The container's PID 1 (systemd), as this machine sees it.</summary>
    public int Leader { get; }

    public bool HasExited => _nspawn.HasExited;

    public int ExitCode => _nspawn.ExitCode;

    /// <summary>What nspawn and the container's console printed.</summary>
    public string Console => File.Exists(_log) ? File.ReadAllText(_log) : "";

    /// <summary>Boots <paramref name="root"/> and waits until systemd says running (or degraded, with the failed units named).</summary>
    public static async Task<BootedHost> BootAsync(string root, HostNetwork network, string log)
    {
        Need("systemd-nspawn");
        // setsid: nspawn must not take this process's terminal; its console output goes to the log file.
        var nspawn = Tool.Start("setsid",
            "/bin/sh", "-c", "exec systemd-nspawn \"$@\" > \"$0\" 2>&1", log,
            "-D", root, "-b", "--register=no", "--keep-unit", "--console=read-only",
            $"--network-namespace-path={network.Namespace.Path}", "--machine=netlab-rehearsal");
        nspawn.CloseStdin();
        var clock = Stopwatch.StartNew();
        int leader = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (nspawn.HasExited)
            {
                throw new InvalidOperationException($"systemd-nspawn exited {nspawn.ExitCode} while booting:\n{Read(log)}");
            }

            leader = leader != 0 ? leader : FindLeader(nspawn.Pid);
            if (leader != 0)
            {
                var (_, state) = Tool.Run("nsenter", ["-t", $"{leader}", "-a", "systemctl", "is-system-running"], timeoutSeconds: 10);
                state = state.Trim();
                if (state is "running" or "degraded")
                {
                    var host = new BootedHost(nspawn, log, leader);
                    if (state == "degraded")
                    {
                        var (_, failed) = host.Run("systemctl --failed --no-legend --plain");
                        Assert.Fail($"the container booted degraded; failed units:\n{failed}");
                    }

                    return host;
                }
            }

            await Task.Delay(100);
        }

        await nspawn.DisposeAsync(); // killed, with what it started
        throw new TimeoutException($"the container did not finish booting within 60 s:\n{Read(log)}");
    }

    /// <summary>Runs a shell command inside, as root, with a plain environment (as cfn-init runs its commands).</summary>
    public ToolRun Run(string command, int timeoutSeconds = 60) =>
        Tool.Run("nsenter", ["-t", $"{Leader}", "-a", "env", "-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8", "/bin/sh", "-c", command], timeoutSeconds: timeoutSeconds);

    /// <summary>Starts a shell command inside, in the background (a terminal on the host): its output read as it comes.</summary>
    public Tool Start(string command)
    {
        var process = Tool.Start("nsenter", "-t", $"{Leader}", "-a", "env", "-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "/bin/sh", "-c", command);
        process.CloseStdin();
        return process;
    }

    /// <summary>Runs a command inside that must succeed; its output.</summary>
    public string Must(string command, int timeoutSeconds = 60)
    {
        var (code, output) = Run(command, timeoutSeconds);
        Assert.True(code == 0, $"inside the container, '{command}' failed ({code}):\n{output}");
        return output;
    }

    /// <summary>Waits for the container to end by itself (a poweroff inside); false on timeout.</summary>
    public Task<bool> WaitForExitAsync(TimeSpan timeout) => _nspawn.TryWaitForExitAsync(timeout);

    public async ValueTask DisposeAsync()
    {
        if (!_nspawn.HasExited)
        {
            Run("systemctl poweroff", timeoutSeconds: 10);
            if (!await WaitForExitAsync(TimeSpan.FromSeconds(20)))
            {
                Tool.Run("kill", "-9", $"{Leader}");
                _nspawn.Kill();
                await WaitForExitAsync(TimeSpan.FromSeconds(10));
            }
        }

        await _nspawn.DisposeAsync();
    }

    /// <summary>nspawn's child that is not nspawn itself: the container's init.</summary>
    private static int FindLeader(int nspawn)
    {
        var children = $"/proc/{nspawn}/task/{nspawn}/children";
        if (!File.Exists(children))
        {
            return 0;
        }

        foreach (var child in File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse))
        {
            try
            {
                if (File.ResolveLinkTarget($"/proc/{child}/exe", false)?.FullName is { } exe && !exe.EndsWith("systemd-nspawn", StringComparison.Ordinal))
                {
                    return child;
                }
            }
            catch (IOException)
            {
                // Gone, or not yet exec'd.
            }
        }

        return 0;
    }

    private static void Need(string name) =>
        Assert.True(Tool.Run("sh", "-c", $"command -v {name}").Code == 0, $"{name} is missing: ./test.sh installs it (scripts/install-tools.sh: systemd-container)");

    private static string Read(string path) => File.Exists(path) ? File.ReadAllText(path) : "(no log)";
}
