
namespace NetLab.Infra.Host;

/// <summary>
/// The unit files and the script the lab host runs, as text (installed by CloudFormationInit; checked by
/// systemd-analyze verify and security in the tests, and run for real under systemd in the boot rehearsal).
/// </summary>
public static class SystemdUnits
{
    /// <summary>Where the install puts the agent binary (the asset unpacks into its folder).</summary>
    public const string AgentPath = "/opt/netlab/netlab-agent";

    /// <summary>The script that reads the host's public names from IMDSv2 before every start of the agent.</summary>
    public const string CertNamesPath = "/opt/netlab/cert-names";

    /// <summary>What that script writes: the agent's extra arguments (its certificate's names).</summary>
    public const string EnvironmentFile = "/etc/netlab/agent.env";

    /// <summary>The unprivileged user the agent runs as.</summary>
    public const string User = "netlab";

    /// <summary>The agent's one capability: packet capture of its own port (AF_PACKET; issue 22, "the wire").</summary>
    public const string AgentCapability = "CAP_NET_RAW";

    /// <summary>
    /// The agent: unprivileged, sandboxed (system calls filtered to what a service needs), its files in a
    /// StateDirectory, restarted whatever happens, with exactly one capability, CAP_NET_RAW, for an AF_PACKET socket
    /// that records its own port's packets (port 11211 needs no CAP_NET_BIND_SERVICE). Before every start, the
    /// certificate's names are read again from the instance metadata (a stop and start gives the host a new public
    /// address).
    /// </summary>
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
        # The public IP and DNS name for the certificate, from IMDSv2, at every start ("+": as root, unsandboxed;
        # "-": a host without instance metadata starts the agent all the same).
        ExecStartPre=-+{CertNamesPath}
        EnvironmentFile=-{EnvironmentFile}
        ExecStart={AgentPath} --port {LabPorts.Agent} {settings.AgentArguments()} $NETLAB_AGENT_ARGS
        StateDirectory=netlab-agent
        StateDirectoryMode=0700
        UMask=0077
        Restart=always
        RestartSec=2
        TimeoutStopSec=10
        {Sandbox(addressFamilies: "AF_INET AF_INET6 AF_UNIX AF_NETLINK AF_PACKET", capability: AgentCapability)}

        [Install]
        WantedBy=multi-user.target

        """;

    /// <summary>
    /// One time-to-live check, unprivileged (a dynamic user, the same sandbox): <c>idle-check</c> exits 3 for
    /// "stop". Only the poweroff runs as root ("+"), and only then; on EC2 a poweroff is a stop.
    /// </summary>
    public static string TtlService(LabSettings settings) => $"""
        [Unit]
        Description=Stop this lab host after {settings.TtlMinutes} minutes without lab use, or {settings.MaxHours} hours after it started
        After=netlab-agent.service

        [Service]
        Type=oneshot
        DynamicUser=yes
        ExecStart={AgentPath} idle-check --ttl {settings.TtlMinutes}m --max-lifetime {settings.MaxHours}h --port {LabPorts.Agent}
        SuccessExitStatus={IdleExitCodes.Stop}
        ExecStopPost=+/bin/sh -c 'if [ "$$EXIT_STATUS" = {IdleExitCodes.Stop} ]; then exec /usr/bin/systemctl poweroff; fi'
        {Sandbox(addressFamilies: "AF_INET AF_INET6")}

        """;

    /// <summary>Runs the idle check every minute, the first one a few minutes after boot.</summary>
    public static string TtlTimer() => """
        [Unit]
        Description=Check every minute whether the lab host has been idle too long, or up too long

        [Timer]
        OnBootSec=5min
        OnUnitActiveSec=1min
        AccuracySec=15s

        [Install]
        WantedBy=timers.target

        """;

    /// <summary>
    /// Writes the agent's <c>--cert-name</c> arguments (the public IPv4 address and DNS name, from IMDSv2) to the
    /// environment file; the agent makes a new certificate when its names change. Without metadata (not EC2), it
    /// writes no names.
    /// </summary>
    public static string CertNamesScript() => $$"""
        #!/bin/sh
        # The names this lab host answers to, for its certificate: read from the instance metadata (IMDSv2) before
        # every start of netlab-agent, since a stop and start gives the instance a new public address.
        set -u
        imds=http://169.254.169.254/latest
        args=""
        if token=$(curl -sf -m 2 -X PUT "$imds/api/token" -H 'X-aws-ec2-metadata-token-ttl-seconds: 60'); then
          for name in public-ipv4 public-hostname; do
            if value=$(curl -sf -m 2 -H "X-aws-ec2-metadata-token: $token" "$imds/meta-data/$name") && [ -n "$value" ]; then
              args="$args --cert-name $value"
            fi
          done
        fi
        mkdir -p {{Path.GetDirectoryName(EnvironmentFile)!.Replace('\\', '/')}}
        echo "NETLAB_AGENT_ARGS=$args" > {{EnvironmentFile}}.new && mv {{EnvironmentFile}}.new {{EnvironmentFile}}

        """;

    /// <summary>
    /// What both services run inside: no way to gain privileges, a read-only system, no devices, kernel knobs or
    /// other users' processes, only the system calls a service needs (no @privileged, @mount, @reboot, ...; of
    /// @resources only the CPU affinity .NET sets), only the network families it uses, and no capability but
    /// <paramref name="capability"/> (ambient: kept by the unprivileged user; bounding: nothing else, ever).
    /// </summary>
    /// <remarks>
    /// A service with a capability runs in the system's user namespace, without PrivateUsers: in a private one its
    /// capability counts only there, and the kernel asks for CAP_NET_RAW in the user namespace that owns the host's
    /// network (socket(AF_PACKET) says EPERM; the boot rehearsal opens one under this sandbox).
    /// </remarks>
    private static string Sandbox(string addressFamilies, string capability = "") => $"""
        NoNewPrivileges=yes
        ProtectSystem=strict
        ProtectHome=yes
        PrivateTmp=yes
        PrivateDevices=yes
        {(capability.Length == 0 ? "PrivateUsers=yes" : "# No PrivateUsers: a capability in a private user namespace is none on the host's network.")}
        ProtectKernelTunables=yes
        ProtectKernelModules=yes
        ProtectKernelLogs=yes
        ProtectControlGroups=yes
        ProtectClock=yes
        ProtectHostname=yes
        ProtectProc=invisible
        RestrictSUIDSGID=yes
        RestrictRealtime=yes
        RestrictNamespaces=yes
        RemoveIPC=yes
        LockPersonality=yes
        CapabilityBoundingSet={capability}
        AmbientCapabilities={capability}
        RestrictAddressFamilies={addressFamilies}
        SystemCallArchitectures=native
        SystemCallFilter=@system-service
        SystemCallFilter=~@privileged @resources
        # .NET's runtime sets its threads' CPU affinity at start and will not start without it (the boot rehearsal found it).
        SystemCallFilter=sched_setaffinity
        SystemCallErrorNumber=EPERM
        """;
}
