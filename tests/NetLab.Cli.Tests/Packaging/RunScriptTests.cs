using System.Diagnostics;
using System.Text.RegularExpressions;
using NetLab.Testing;
using NetLab.Cli.Tests.Support;

namespace NetLab.Cli.Tests.Packaging;

/// <summary>./run.sh as a new user runs it: the whole walk-through with the classic tools, in bounded time, every step shown.</summary>
[Trait("Loop", "Slow")] // run.sh: every classic tool against a fresh agent
public partial class RunScriptTests
{
    [Fact]
    public async Task Run_sh_walks_every_step_and_finishes_in_bounded_time()
    {
        var root = Repository.Root;
        var steps = Step().Matches(await File.ReadAllTextAsync(Path.Combine(root, "run.sh"))).Select(m => m.Groups[1].Value.Replace("\\\"", "\"")).ToList();
        Assert.True(steps.Count >= 10, $"found {steps.Count} steps in run.sh");

        // Its own port: 11211 may be someone's agent on this machine.
        var clock = Stopwatch.StartNew();
        var run = await Tool.ShellAsync($"cd '{root}' && ./run.sh --no-keep-running --port {Netlab.FreePort()}", timeoutSeconds: 240);
        run.AssertExit(0);
        foreach (var step in steps)
        {
            Assert.Contains($"== {step}\n", run.Stdout);
        }

        Assert.Contains($"run.sh: all {steps.Count} steps done", run.Stdout);
        Assert.DoesNotContain("! no end within", run.Stdout);
        Assert.Contains("<h1>Hello, Adam!</h1>", run.Stdout); // the openssl s_client step got its answer, and ended
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(240), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Run_sh_refuses_a_bad_port_in_one_line()
    {
        var run = await Tool.ShellAsync($"cd '{Repository.Root}' && ./run.sh --port http");
        run.AssertExit(2);
        Assert.Equal("run.sh: --port needs a port, 1-65535 (e.g. --port 11211)", run.Stderr.Trim());
    }

    [GeneratedRegex("^step \"(.*)\"$", RegexOptions.Multiline)]
    private static partial Regex Step();
}
