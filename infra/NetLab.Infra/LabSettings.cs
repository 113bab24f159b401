using System.Net;
using System.Text.RegularExpressions;
using Amazon.CDK.AWS.EC2;

namespace NetLab.Infra;

/// <summary>The lab host's CPU architecture, as the context value <c>arch</c> names it.</summary>
public enum LabArch
{
    X86_64,
    Arm64,
}

/// <summary>
/// What the stack is told through CDK context (<c>-c key=value</c>): who may connect, the instance type and
/// architecture, and the idle time-to-live. Bad values fail synth with a message, before anything is deployed.
/// </summary>
public sealed partial record LabSettings(string AllowedCidr, string InstanceType, LabArch Arch, int TtlMinutes)
{
    public const string AnyIPv4 = "0.0.0.0/0";

    /// <summary>The .NET runtime identifier the agent is published for.</summary>
    public string RuntimeId => Arch == LabArch.Arm64 ? "linux-arm64" : "linux-x64";

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
            "x86_64" or "amd64" or "x64" => LabArch.X86_64,
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

        return new LabSettings(cidr, type, arch, ttl);
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
