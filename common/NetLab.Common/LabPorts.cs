namespace NetLab;

/// <summary>A port the lab uses, with its transport and what it is for.</summary>
public sealed record LabPort(int Number, string Protocol, string Purpose);

/// <summary>
/// The lab's ports, defined once: the agent's defaults, the CLI's defaults and the stack's
/// security group all read them from here.
/// </summary>
public static class LabPorts
{
    /// <summary>The one port the agent serves every protocol on (TCP and UDP), as in the tutorial.</summary>
    public const int Agent = 11211;

    /// <summary>SSH, for the remote-host part of the tutorial.</summary>
    public const int Ssh = 22;

    /// <summary>Every port the lab host must expose, in the order a firewall rule list shows them.</summary>
    public static IReadOnlyList<LabPort> Exposed { get; } =
    [
        new(Ssh, "tcp", "SSH to the lab host"),
        new(Agent, "tcp", "netlab-agent: text sessions, TLS, HTTP and HTTPS"),
        new(Agent, "udp", "netlab-agent: UDP echo"),
    ];
}
