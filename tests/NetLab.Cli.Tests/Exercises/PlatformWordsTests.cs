using NetLab.Cli.Exercises;
using NetLab.Cli.Lab;

namespace NetLab.Cli.Tests.Exercises;

/// <summary>What netlab tells a student on each OS: its own words, chosen with the OS abstracted, whatever machine the tests run on.</summary>
public class PlatformWordsTests
{
    private static readonly string[] Names = ["Linux", "macOS", "Windows"];

    public static TheoryData<string> Platforms => [.. Names];

    [Theory]
    [MemberData(nameof(Platforms))]
    public void The_pipe_vs_socket_verdict_names_its_own_OS_and_no_other(string name)
    {
        var platform = Of(name);
        var verdict = PipeVsSocketExercise.Verdict(0.5, platform);
        Assert.StartsWith("the socket is 2.0x faster here: on " + name, verdict);
        foreach (var other in Names.Where(o => o != name))
        {
            Assert.DoesNotContain(other, verdict);
        }

        Assert.Equal("the pipe is 3.0x faster, as the tutorial says", PipeVsSocketExercise.Verdict(3, platform));
    }

    [Fact]
    public void Each_OS_is_shown_its_own_command_for_its_addresses()
    {
        Assert.StartsWith("`ip addr`", Try(new IpDnsExercise(), Platform.Linux));
        Assert.StartsWith("`ifconfig en0`", Try(new IpDnsExercise(), Platform.MacOS));
        Assert.StartsWith("`ipconfig /all`", Try(new IpDnsExercise(), Platform.Windows));
        Assert.All([Platform.Linux, Platform.MacOS, Platform.Windows], p => Assert.Contains("`nslookup 203.0.113.7`", Try(new IpDnsExercise(), p)));
    }

    [Fact]
    public void The_pipe_demo_on_Windows_says_where_its_shell_commands_run()
    {
        Assert.EndsWith("(in Git Bash or WSL)", Try(new PipeVsSocketExercise(), Platform.Windows));
        Assert.EndsWith("pv > /dev/null`", Try(new PipeVsSocketExercise(), Platform.Linux));
    }

    [Fact]
    public void The_current_platform_is_this_machine()
    {
        Assert.Equal(OperatingSystem.IsWindows() ? "Windows" : OperatingSystem.IsMacOS() ? "macOS" : "Linux", Platform.Current.Name);
    }

    private static Platform Of(string name) => name switch { "Linux" => Platform.Linux, "macOS" => Platform.MacOS, _ => Platform.Windows };

    private static string Try(Exercise exercise, Platform platform) =>
        exercise.TryByHand(new ExerciseContext("203.0.113.7", 11211, KnownHosts.InMemory(), trustNewCert: false, localLab: false) { Platform = platform });
}
