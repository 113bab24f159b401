using System.Diagnostics;
using System.Runtime.InteropServices;

namespace NetLab.Cli.Wan;

/// <summary>What <c>--wan</c> asks of the machine: Linux, root, iproute2 and nftables, and the way to run them (namespaces: <see cref="NetworkNamespace"/>).</summary>
internal static partial class LinuxHost
{
    /// <summary>Null when this machine can build the path, else why not, in words, with what to do.</summary>
    public static string? WhyNot()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "--wan needs Linux: it builds the path from network namespaces, TUN devices and nftables. Elsewhere, run netlab lab (no path) or netlab connect to a cloud lab host";
        }

        if (GetEuid() != 0)
        {
            return "--wan needs root (network namespaces, TUN devices and a firewall): run it with sudo, e.g. sudo netlab lab --wan, or sudo dotnet run --project cli/NetLab.Cli -- lab --wan";
        }

        foreach (var (tool, package) in new[] { ("ip", "iproute2"), ("nft", "nftables") })
        {
            if (Which(tool) is null)
            {
                return $"--wan needs {tool} ({package}): sudo apt-get install {package} (or your distribution's package)";
            }
        }

        return File.Exists("/dev/net/tun") ? null : "--wan needs TUN devices (/dev/net/tun): load the tun module (sudo modprobe tun)";
    }

    /// <summary>Runs a command to completion; its stdout, or an exception that says what failed.</summary>
    public static string Run(string file, IEnumerable<string> args, string? stdin = null)
    {
        var (code, output, error) = TryRun(file, args, stdin);
        return code == 0 ? output : throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({code}): {error.Trim()}");
    }

    public static (int Code, string Output, string Error) TryRun(string file, IEnumerable<string> args, string? stdin = null)
    {
        var info = new ProcessStartInfo(Which(file) ?? file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }

        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error);
    }

    /// <summary>Dies with its parent (the child of <c>netlab lab --wan</c> must not outlive it).</summary>
    public static void DieWithParent()
    {
        if (OperatingSystem.IsLinux())
        {
            _ = Prctl(1 /* PR_SET_PDEATHSIG */, 9 /* SIGKILL */);
        }
    }

    public static bool ProcessAlive(int pid) => Directory.Exists($"/proc/{pid}");

    public static string? Which(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':').Concat(["/usr/sbin", "/sbin"])
            .Select(dir => Path.Combine(dir, tool)).FirstOrDefault(File.Exists);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int Prctl(int option, ulong arg);
}
