using System.Security.Cryptography;
using System.Text;
using NetLab.Testing;

namespace NetLab.Infra.Tests.Boot;

/// <summary>
/// The lab host's root file system for the boot rehearsal: Debian bookworm (minbase) with systemd, made by
/// debootstrap once and cached as a tarball (about 80 MB; a minute to make, seconds to unpack). Amazon Linux
/// is not available as a root file system here; what the rehearsal exercises (systemd's units, the sandbox,
/// the install steps, curl, the agent's own binary) is the same on both.
/// </summary>
/// <remarks>
/// The cache is <c>.build/boot/</c> in the repository (ignored by git), or <c>$NETLAB_ROOTFS_CACHE</c>; its
/// name carries a hash of what goes into it, so changing the package list makes a new one. CI keeps it between
/// runs by caching that folder. The mirror is the machine's own Debian mirror (from its apt sources), or
/// <c>$NETLAB_DEBIAN_MIRROR</c>.
/// </remarks>
internal static class RootFileSystem
{
    private static readonly string[] AptSources = ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"];

    private const string Suite = "bookworm";

    /// <summary>
    /// What the lab host has beyond minbase: systemd as PID 1, curl (the health gate, the IMDS reads), the agent's
    /// libssl, Amazon Linux's nmap-ncat (Debian's ncat), and sshd on 22, as every EC2 instance has.
    /// </summary>
    private static readonly string[] Packages = ["systemd", "systemd-sysv", "dbus", "curl", "ca-certificates", "iproute2", "libssl3", "ncat", "procps", "openssh-server"];

    private static readonly Lock Gate = new();

    public static string CacheFolder =>
        Environment.GetEnvironmentVariable("NETLAB_ROOTFS_CACHE") is { Length: > 0 } dir ? dir : Path.Combine(Repository.Root, ".build", "boot");

    /// <summary>The cached tarball, made first if there is none.</summary>
    public static string Tarball()
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{Suite} minbase {string.Join(',', Packages)}")))[..12];
        var tarball = Path.Combine(CacheFolder, $"{Suite}-{key}.tar.gz");
        lock (Gate)
        {
            if (!File.Exists(tarball))
            {
                Make(tarball);
            }
        }

        return tarball;
    }

    /// <summary>Unpacks the tarball into a new folder under <paramref name="parent"/>.</summary>
    public static string Unpack(string tarball, string parent)
    {
        var root = Directory.CreateDirectory(Path.Combine(parent, "root")).FullName;
        Run("tar", ["-C", root, "--numeric-owner", "--xattrs", "--xattrs-include=*", "-xzf", tarball], 300);
        return root;
    }

    private static void Make(string tarball)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(tarball)!);
        var work = Directory.CreateTempSubdirectory("netlab-rootfs-").FullName;
        try
        {
            var root = Path.Combine(work, "root");
            Run("debootstrap", ["--variant=minbase", $"--include={string.Join(',', Packages)}", Suite, root, Mirror()], 900);
            // No apt lists, no machine id (each boot makes its own), no package cache: smaller, and the same every time.
            foreach (var dir in new[] { "var/lib/apt/lists", "var/cache/apt/archives" })
            {
                foreach (var file in Directory.EnumerateFiles(Path.Combine(root, dir)))
                {
                    File.Delete(file);
                }
            }

            File.WriteAllText(Path.Combine(root, "etc", "machine-id"), "");
            var partial = tarball + ".partial";
            Run("tar", ["-C", root, "--numeric-owner", "--xattrs", "--xattrs-include=*", "-czf", partial, "."], 600);
            File.Move(partial, tarball, overwrite: true);
        }
        finally
        {
            Run("rm", ["-rf", "--one-file-system", work], 120);
        }
    }

    /// <summary>The machine's Debian mirror (deb822 or one-line apt sources), else deb.debian.org.</summary>
    private static string Mirror()
    {
        if (Environment.GetEnvironmentVariable("NETLAB_DEBIAN_MIRROR") is { Length: > 0 } mirror)
        {
            return mirror;
        }

        var sources = AptSources.Where(File.Exists).SelectMany(File.ReadAllLines);
        foreach (var line in sources.Select(l => l.Trim()))
        {
            var uri = line.StartsWith("URIs:", StringComparison.Ordinal) ? line[5..].Trim().Split(' ')[0]
                : line.StartsWith("deb ", StringComparison.Ordinal) ? line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).FirstOrDefault(p => p.StartsWith("http", StringComparison.Ordinal))
                : null;
            if (uri is not null && uri.TrimEnd('/').EndsWith("/debian", StringComparison.Ordinal))
            {
                return uri;
            }
        }

        return "http://deb.debian.org/debian";
    }

    private static void Run(string tool, string[] args, int timeoutSeconds)
    {
        var (code, output) = Tool.Run(tool, args, timeoutSeconds: timeoutSeconds);
        Assert.True(code == 0, $"{tool} {string.Join(' ', args)} failed ({code}):\n{Tail(output)}");
    }

    private static string Tail(string text) => text.Length > 4000 ? text[^4000..] : text;
}
