using System.Runtime.CompilerServices;
using NetLab.Cli.Tests.Support;

namespace NetLab.Cli.Tests.Commands;

/// <summary>
/// --help is the manual: each command's help is compared with its snapshot in Snapshots/. After an intended
/// change, regenerate with NETLAB_UPDATE_SNAPSHOTS=1 and review the diff.
/// </summary>
public class HelpSnapshotTests
{
    [Theory]
    [InlineData("")]
    [InlineData("connect")]
    [InlineData("lab")]
    [InlineData("nc")]
    [InlineData("info")]
    [InlineData("http")]
    [InlineData("tls")]
    [InlineData("ports")]
    [InlineData("up")]
    [InlineData("start")]
    [InlineData("status")]
    [InlineData("down")]
    public async Task Help_matches_its_snapshot_and_teaches_with_examples(string command)
    {
        string[] args = command.Length == 0 ? ["--help"] : [command, "--help"];
        var run = await Netlab.RunAsync(args);
        run.AssertExit(0);
        Assert.Contains("Examples:", run.Out);

        var path = Path.Combine(SnapshotDir(), $"help-{(command.Length == 0 ? "netlab" : command)}.txt");
        if (Environment.GetEnvironmentVariable("NETLAB_UPDATE_SNAPSHOTS") == "1")
        {
            await File.WriteAllTextAsync(path, run.Out);
        }

        Assert.True(File.Exists(path), $"no snapshot {path}; run the tests once with NETLAB_UPDATE_SNAPSHOTS=1 and review it");
        Assert.Equal(await File.ReadAllTextAsync(path), run.Out);
    }

    [Fact]
    public async Task Unknown_commands_and_options_exit_2_pointing_at_help()
    {
        var run = await Netlab.RunAsync("frobnicate");
        run.AssertExit(2);
        Assert.Contains("netlab --help", run.Error);

        var only = await Netlab.RunAsync("lab", "--only", "tcp,nonsense");
        only.AssertExit(2);
        Assert.Contains("--only: unknown exercise 'nonsense'", only.Error);
    }

    private static string SnapshotDir([CallerFilePath] string source = "") =>
        Path.Combine(Path.GetDirectoryName(source)!, "..", "Snapshots");
}
