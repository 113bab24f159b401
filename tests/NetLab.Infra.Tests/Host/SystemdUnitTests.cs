using System.Globalization;
using System.Text.RegularExpressions;
using NetLab.Infra;
using NetLab.Infra.Host;
using NetLab.Testing;

namespace NetLab.Infra.Tests.Host;

/// <summary>The unit files the host installs, checked by systemd itself: verify, and security's exposure figures.</summary>
public sealed partial class SystemdUnitTests : IDisposable
{
    private static readonly string[] UnitFiles = ["netlab-agent.service", "netlab-ttl.service", "netlab-ttl.timer"];

    private static readonly LabSettings Defaults = LabSettings.From(_ => null);
    private readonly string _root = Directory.CreateTempSubdirectory("netlab-units-").FullName;

    public SystemdUnitTests()
    {
        // A root tree with the system's own units, an executable where the agent goes, and /bin/sh.
        Directory.CreateDirectory(Units);
        Directory.CreateDirectory(Path.Combine(_root, "usr", "lib", "systemd"));
        Assert.Equal(0, Tool.Run("cp", ["-r", "/usr/lib/systemd/system", Path.Combine(_root, "usr", "lib", "systemd", "system")]).Code);
        Directory.CreateDirectory(Path.Combine(_root, "bin"));
        File.Copy("/bin/sh", Path.Combine(_root, "bin", "sh"));
        foreach (var executable in new[] { SystemdUnits.AgentPath, SystemdUnits.CertNamesPath })
        {
            var path = Path.Combine(_root, executable.TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "#!/bin/sh\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        File.WriteAllText(Path.Combine(Units, "netlab-agent.service"), SystemdUnits.Agent(Defaults));
        File.WriteAllText(Path.Combine(Units, "netlab-ttl.service"), SystemdUnits.TtlService(Defaults));
        File.WriteAllText(Path.Combine(Units, "netlab-ttl.timer"), SystemdUnits.TtlTimer());
    }

    private string Units => Path.Combine(_root, "etc", "systemd", "system");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Systemd_analyze_verify_finds_nothing_to_complain_about()
    {
        var (code, output) = Tool.Run("systemd-analyze",
            ["verify", "--man=no", $"--root={_root}", .. UnitFiles.Select(u => Path.Combine(Units, u))]);
        Assert.True(code == 0 && output.Trim().Length == 0, $"systemd-analyze verify ({code}):\n{output}");
    }

    [Theory]
    [InlineData("netlab-agent.service", 2.5)]
    [InlineData("netlab-ttl.service", 5.0)]
    public void Systemd_analyze_security_rates_the_exposure_low(string unit, double most)
    {
        var (_, output) = Tool.Run("systemd-analyze", ["security", "--offline=true", $"--root={_root}", "--no-pager", Path.Combine(Units, unit)]);
        var exposure = Exposure().Match(output);
        Assert.True(exposure.Success, output);
        var figure = double.Parse(exposure.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(figure <= most, $"{unit}: exposure {figure} (at most {most})\n{output}");
    }

    [Fact]
    public void The_agent_unit_is_unprivileged_sandboxed_and_always_restarted()
    {
        var unit = SystemdUnits.Agent(Defaults).Split('\n').Select(l => l.Trim()).ToHashSet();
        foreach (var line in new[]
        {
            "User=netlab", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
            "StateDirectory=netlab-agent", "Restart=always", "CapabilityBoundingSet=CAP_NET_RAW", "Type=notify", "SystemCallFilter=@system-service",
            $"ExecStartPre=-+{SystemdUnits.CertNamesPath}",
        })
        {
            Assert.Contains(line, unit);
        }
    }

    [Fact]
    public void The_agent_unit_grants_cap_net_raw_for_af_packet_and_no_other_capability()
    {
        var unit = Settings(SystemdUnits.Agent(Defaults));
        Assert.Equal(["CapabilityBoundingSet=CAP_NET_RAW"], unit.Where(l => l.StartsWith("CapabilityBoundingSet=", StringComparison.Ordinal)));
        Assert.Equal(["AmbientCapabilities=CAP_NET_RAW"], unit.Where(l => l.StartsWith("AmbientCapabilities=", StringComparison.Ordinal)));
        Assert.Equal(["CAP_NET_RAW"], unit.SelectMany(l => Capability().Matches(l)).Select(m => m.Value).Distinct());
        Assert.Equal(["RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK AF_PACKET"], unit.Where(l => l.StartsWith("RestrictAddressFamilies=", StringComparison.Ordinal)));

        // In a private user namespace the capability would count only there: no AF_PACKET socket on the host's network.
        Assert.DoesNotContain(unit, l => l.StartsWith("PrivateUsers=", StringComparison.Ordinal));
        Assert.Contains("NoNewPrivileges=yes", unit);
    }

    [Fact]
    public void The_ttl_check_has_no_capability_and_no_packet_socket()
    {
        var unit = Settings(SystemdUnits.TtlService(Defaults));
        foreach (var line in new[] { "CapabilityBoundingSet=", "AmbientCapabilities=", "PrivateUsers=yes", "RestrictAddressFamilies=AF_INET AF_INET6" })
        {
            Assert.Contains(line, unit);
        }

        Assert.DoesNotContain(unit, l => Capability().IsMatch(l));
    }

    [Fact]
    public void The_agent_unit_trusts_a_class_s_cidr_and_an_open_host_trusts_nobody()
    {
        var classroom = SystemdUnits.Agent(Defaults with { AllowedCidr = "198.51.100.0/24" }).Split('\n').Select(l => l.Trim()).ToList();
        Assert.Contains(classroom, l => l.StartsWith("ExecStart=/opt/netlab/netlab-agent --port 11211 ", StringComparison.Ordinal) && l.Contains(" --trusted 198.51.100.0/24 ", StringComparison.Ordinal));
        Assert.DoesNotContain("--trusted", SystemdUnits.Agent(Defaults with { AllowedCidr = LabSettings.AnyIPv4 }));
    }

    [Fact]
    public void The_ttl_check_runs_unprivileged_and_only_the_poweroff_as_root()
    {
        var unit = SystemdUnits.TtlService(Defaults).Split('\n').Select(l => l.Trim()).ToList();
        Assert.Contains("DynamicUser=yes", unit);
        Assert.Contains(unit, l => l.StartsWith("ExecStart=/opt/netlab/netlab-agent idle-check --ttl 60m --max-lifetime 8h", StringComparison.Ordinal));
        Assert.Equal(["ExecStopPost=+/bin/sh -c 'if [ \"$$EXIT_STATUS\" = 3 ]; then exec /usr/bin/systemctl poweroff; fi'"], unit.Where(l => l.Contains("+/", StringComparison.Ordinal)));
    }

    /// <summary>A unit's settings: its lines, trimmed, without comments.</summary>
    private static List<string> Settings(string unit) =>
        unit.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

    [GeneratedRegex(@"\bCAP_[A-Z_]+")]
    private static partial Regex Capability();

    [GeneratedRegex(@"Overall exposure level for \S+: (\d+\.\d)")]
    private static partial Regex Exposure();
}
