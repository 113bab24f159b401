namespace NetLab.Cli.Lab;

/// <summary>
/// What differs per operating system in what netlab tells a student: the OS's name in a lesson, the command that
/// shows this machine's addresses, where a pipe demo runs, and why a loopback socket can beat a pipe. netlab runs on
/// Linux, macOS and Windows (students' laptops); each gets its own words, chosen here, and tests pick a platform
/// rather than the machine they run on.
/// </summary>
internal sealed record Platform(string Name, string ShowAddresses, string PipeShell, string LoopbackFast)
{
    public static Platform Linux { get; } = new(
        "Linux",
        ShowAddresses: "`ip addr` (or `ifconfig`)",
        PipeShell: "",
        LoopbackFast: "on Linux, loopback TCP skips the network entirely, and a large socket buffer moves more per system call than a pipe's 64 KiB");

    public static Platform MacOS { get; } = new(
        "macOS",
        ShowAddresses: "`ifconfig en0` (Wi-Fi is usually en0; `networksetup -listallhardwareports` names them)",
        PipeShell: "",
        LoopbackFast: "on macOS, loopback TCP never reaches a network card, and its socket buffers are larger than a pipe's 64 KiB");

    public static Platform Windows { get; } = new(
        "Windows",
        ShowAddresses: "`ipconfig /all`",
        PipeShell: " (in Git Bash or WSL)",
        LoopbackFast: "on Windows, loopback TCP stays inside the TCP stack (no network card), while an anonymous pipe moves data in small pieces");

    /// <summary>The platform netlab is running on.</summary>
    public static Platform Current { get; } = OperatingSystem.IsWindows() ? Windows : OperatingSystem.IsMacOS() ? MacOS : Linux;
}
