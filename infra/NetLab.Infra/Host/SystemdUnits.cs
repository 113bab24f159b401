using NetLab.Agent;

namespace NetLab.Infra.Host;

/// <summary>
/// The unit files the lab host runs, as text (installed by CloudFormationInit, and checked by
/// systemd-analyze verify in the tests).
/// </summary>
public static class SystemdUnits
{
    public const string AgentPath = "/opt/netlab/netlab-agent";
    public const string EnvironmentFile = "/etc/netlab/agent.env";
    public const string User = "netlab";

    /// <summary>The agent: unprivileged, sandboxed, its files in a StateDirectory, restarted whatever happens.</summary>
    public static string Agent(LabSettings settings) => $"""
        [Unit]
        Description=NetLabCloud lab agent (netlab-agent, TCP and UDP {LabPorts.Agent})
        Documentation=https://github.com/netlabcloud
        After=network-online.target
        Wants=network-online.target

        [Service]
        Type=notify
        User={User}
        Group={User}
        # A 2 MiB gen0 budget: 10,000 idle sessions in about 144 MB of RSS, not 146-154 (bench/ANALYSIS.md).
        Environment=DOTNET_GCgen0size=0x200000
        EnvironmentFile=-{EnvironmentFile}
        ExecStart={AgentPath} --port {LabPorts.Agent} {settings.AgentArguments()} $NETLAB_AGENT_ARGS
        StateDirectory=netlab-agent
        StateDirectoryMode=0700
        Restart=always
        RestartSec=2
        TimeoutStopSec=10
        NoNewPrivileges=yes
        ProtectSystem=strict
        ProtectHome=yes
        PrivateTmp=yes
        PrivateDevices=yes
        ProtectKernelTunables=yes
        ProtectKernelModules=yes
        ProtectKernelLogs=yes
        ProtectControlGroups=yes
        ProtectClock=yes
        ProtectHostname=yes
        RestrictSUIDSGID=yes
        RestrictRealtime=yes
        RestrictNamespaces=yes
        LockPersonality=yes
        CapabilityBoundingSet=
        AmbientCapabilities=
        RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK
        SystemCallArchitectures=native

        [Install]
        WantedBy=multi-user.target

        """;

    /// <summary>One idle check: exit 3 from the agent's idle-check means stop, and poweroff on EC2 is a stop.</summary>
    public static string TtlService(LabSettings settings) => $"""
        [Unit]
        Description=Stop this lab host after {settings.TtlMinutes} minutes without lab use, or {settings.MaxHours} hours after it started
        After=netlab-agent.service

        [Service]
        Type=oneshot
        ExecStart=/bin/sh -c '{AgentPath} idle-check --ttl {settings.TtlMinutes}m --max-lifetime {settings.MaxHours}h --port {LabPorts.Agent}; if [ $$? -eq 3 ]; then /usr/bin/systemctl poweroff; fi'

        """;

    /// <summary>Runs the idle check every minute, the first one a few minutes after boot.</summary>
    public static string TtlTimer() => """
        [Unit]
        Description=Check every minute whether the lab host has been idle too long

        [Timer]
        OnBootSec=5min
        OnUnitActiveSec=1min
        AccuracySec=15s

        [Install]
        WantedBy=timers.target

        """;
}
