using NetLab.Infra;
using NetLab.Infra.Host;
using NetLab.Infra.Tests.Support;

namespace NetLab.Infra.Tests.Host;

/// <summary>The unit files the host installs, checked by systemd itself.</summary>
public class SystemdUnitTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("netlab-units-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Systemd_analyze_verify_finds_nothing_to_complain_about()
    {
        // A root tree with the system's own units, an executable where the agent goes, and /bin/sh.
        var units = Path.Combine(_root, "etc", "systemd", "system");
        Directory.CreateDirectory(units);
        Directory.CreateDirectory(Path.Combine(_root, "usr", "lib", "systemd"));
        Assert.Equal(0, Shell.Run("cp", ["-r", "/usr/lib/systemd/system", Path.Combine(_root, "usr", "lib", "systemd", "system")]).Code);
        Directory.CreateDirectory(Path.Combine(_root, "bin"));
        File.Copy("/bin/sh", Path.Combine(_root, "bin", "sh"));
        var agent = Path.Combine(_root, SystemdUnits.AgentPath.TrimStart('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(agent)!);
        File.WriteAllText(agent, "#!/bin/sh\n");
        File.SetUnixFileMode(agent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        File.WriteAllText(Path.Combine(units, "netlab-agent.service"), SystemdUnits.Agent(LabSettings.From(_ => null)));
        File.WriteAllText(Path.Combine(units, "netlab-ttl.service"), SystemdUnits.TtlService(LabSettings.From(_ => null)));
        File.WriteAllText(Path.Combine(units, "netlab-ttl.timer"), SystemdUnits.TtlTimer());

        var (code, output) = Shell.Run("systemd-analyze",
            ["verify", "--man=no", $"--root={_root}", .. new[] { "netlab-agent.service", "netlab-ttl.service", "netlab-ttl.timer" }.Select(u => Path.Combine(units, u))]);
        Assert.True(code == 0 && output.Trim().Length == 0, $"systemd-analyze verify ({code}):\n{output}");
    }

    [Fact]
    public void The_agent_unit_is_unprivileged_sandboxed_and_always_restarted()
    {
        var unit = SystemdUnits.Agent(LabSettings.From(_ => null)).Split('\n').Select(l => l.Trim()).ToHashSet();
        foreach (var line in new[]
        {
            "User=netlab", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
            "StateDirectory=netlab-agent", "Restart=always", "CapabilityBoundingSet=", "Type=notify",
        })
        {
            Assert.Contains(line, unit);
        }
    }
}
