using System.Net;
using System.Text.RegularExpressions;
using Amazon.CDK.AWS.EC2;

namespace NetLab.Infra;

/// <summary>The lab host's CPU architecture, as the context value <c>arch</c> names it.</summary>
public enum LabArch
{
    /// <summary>Intel or AMD (t3.micro by default).</summary>
    X64,

    /// <summary>Graviton (t4g.micro by default).</summary>
    Arm64,
}

/// <summary>
/// What the stack is told through CDK context (<c>-c key=value</c>): who may connect, the instance type and
/// architecture, the idle time-to-live, the maximum lifetime, and the egress budgets. Bad values fail synth
/// with a message, before anything is deployed. The defaults of the last three are the agent's (AgentLimits).
/// </summary>
/// <param name="AllowedCidr">Who may reach the lab's ports.</param>
/// <param name="InstanceType">The EC2 instance type.</param>
/// <param name="Arch">The instance's CPU architecture.</param>
/// <param name="TtlMinutes">Stop after this many minutes without lab use; 0 turns it off.</param>
/// <param name="MaxHours">Stop this many hours after the instance started, whatever the traffic; 0 turns it off.</param>
/// <param name="EgressPerAddressPerHour">Bytes the agent may send one client address per hour; 0 = no limit.</param>
/// <param name="EgressPerDay">Bytes the agent may send everyone per day; 0 = no limit.</param>
public sealed partial record LabSettings(
    string AllowedCidr, string InstanceType, LabArch Arch, int TtlMinutes, int MaxHours, long EgressPerAddressPerHour, long EgressPerDay)
{
    /// <summary>The whole IPv4 internet: allowedCidr's default, which synth warns about.</summary>
    public const string AnyIPv4 = "0.0.0.0/0";

    /// <summary>The .NET runtime identifier the agent is published for.</summary>
    public string RuntimeId => Arch == LabArch.Arm64 ? "linux-arm64" : "linux-x64";

    /// <summary>The Amazon Linux 2023 image's CPU type for <see cref="Arch"/>.</summary>
    public AmazonLinuxCpuType CpuType => Arch == LabArch.Arm64 ? AmazonLinuxCpuType.ARM_64 : AmazonLinuxCpuType.X86_64;

    /// <summary>Reads and checks the context values; <paramref name="context"/> returns null for unset keys.</summary>
    public static LabSettings From(Func<string, string?> context)
    {
        var cidr = context("allowedCidr") ?? AnyIPv4;
        if (!IsIPv4Cidr(cidr))
        {
            throw new ArgumentException($"allowedCidr '{cidr}' is not an IPv4 CIDR such as 203.0.113.7/32");
        }

        var arch = (context("arch") ?? "x86_64") switch
        {
            "x86_64" or "amd64" or "x64" => LabArch.X64,
            "arm64" or "aarch64" => LabArch.Arm64,
            var other => throw new ArgumentException($"arch '{other}' is not x86_64 or arm64"),
        };

        var type = context("instanceType") ?? (arch == LabArch.Arm64 ? "t4g.micro" : "t3.micro");
        var match = InstanceTypePattern().Match(type);
        if (!match.Success)
        {
            throw new ArgumentException($"instanceType '{type}' is not an EC2 instance type such as t3.micro");
        }

        var graviton = match.Groups["attrs"].Value.Contains('g');
        if (graviton != (arch == LabArch.Arm64))
        {
            throw new ArgumentException($"instanceType {type} is {(graviton ? "arm64 (Graviton)" : "x86_64")} but arch is {(arch == LabArch.Arm64 ? "arm64" : "x86_64")}; pass a matching -c arch=...");
        }

        var ttlText = context("ttlMinutes") ?? "60";
        if (!int.TryParse(ttlText, out var ttl) || ttl < 0)
        {
            throw new ArgumentException($"ttlMinutes '{ttlText}' is not a whole number of minutes (0 turns the time-to-live off)");
        }

        var defaults = new NetLab.AgentLimits();
        var maxText = context("maxHours") ?? $"{(int)defaults.MaxLifetime.TotalHours}";
        if (!int.TryParse(maxText, out var maxHours) || maxHours is < 0 or > 24 * 31)
        {
            throw new ArgumentException($"maxHours '{maxText}' is not a whole number of hours (0 turns the maximum lifetime off)");
        }

        return new LabSettings(cidr, type, arch, ttl, maxHours,
            Size(context, "egressPerAddressPerHour", defaults.EgressPerAddressPerHour),
            Size(context, "egressPerDay", defaults.EgressPerDay));
    }

    /// <summary>
    /// The agent's arguments for the limits the stack sets. The security group's CIDR is trusted (a class behind one
    /// campus NAT gets class-sized limits), unless it is the whole internet: an open host keeps every protection.
    /// </summary>
    public string AgentArguments() =>
        $"--max-lifetime {MaxHours}h --egress-per-address {ByteSize.Format(EgressPerAddressPerHour)} --egress-per-day {ByteSize.Format(EgressPerDay)}"
        + (AllowedCidr == AnyIPv4 ? "" : $" --trusted {AllowedCidr}");

    private static long Size(Func<string, string?> context, string key, long fallback)
    {
        var text = context(key);
        if (text is null)
        {
            return fallback;
        }

        return ByteSize.TryParse(text, out var bytes)
            ? bytes
            : throw new ArgumentException($"{key} '{text}' is not a size such as 256M or 10G (0 turns the budget off)");
    }

    private static bool IsIPv4Cidr(string cidr)
    {
        var parts = cidr.Split('/');
        return parts.Length == 2
            && IPAddress.TryParse(parts[0], out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            && parts[0].Count(c => c == '.') == 3
            && int.TryParse(parts[1], out var bits) && bits is >= 0 and <= 32;
    }

    // family, generation, attributes (g = Graviton, n, d, ...), then the size: t4g.micro, c7gn.large, m5d.xlarge
    [GeneratedRegex(@"^(?<family>[a-z]+)(?<gen>\d+)(?<attrs>[a-z-]*)\.(?<size>[a-z0-9]+)$")]
    private static partial Regex InstanceTypePattern();
}
