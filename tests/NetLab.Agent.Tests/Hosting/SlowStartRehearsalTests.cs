using System.Text.RegularExpressions;
using NetLab.Agent.Tests.Internet;
using NetLab.Testing;

namespace NetLab.Agent.Tests.Hosting;

/// <summary>
/// Issue 20's rehearsal, scripts/rehearse-arm64.sh: the agent the stack ships, started fresh 20 times as linux-arm64
/// under qemu-aarch64-static and 5 times as linux-x64 held to 20% of a CPU (a t3.micro with no CPU credits), each
/// start followed at once by netlab connect; every one passes 13/13 and logs no error. Alone, after the other tests:
/// beside them on two cores the starts would measure the suite, not the agent.
/// </summary>
[Collection(Alone.Name)]
[Trait("Loop", "Slow")] // an emulator: the agent under qemu-aarch64, started 20 times
public sealed class SlowStartRehearsalTests
{
    /// <summary>netlab's build output, copied beside the tests by the project reference.</summary>
    private static string NetlabDll => Path.Combine(AppContext.BaseDirectory, "netlab.dll");

    [Fact]
    public async Task Twenty_fresh_arm64_starts_under_qemu_and_five_throttled_x64_starts_each_pass_netlab_connect_13_of_13()
    {
        var script = Path.Combine(Repository.Root, "scripts", "rehearse-arm64.sh");
        await using var run = await Tool.RunAsync("bash", [script, "--netlab", NetlabDll], timeoutSeconds: 1200);

        run.AssertExit(0);
        Assert.Equal(20, Regex.Count(run.Stdout, "(?m)^PASS arm64 "));
        Assert.Equal(5, Regex.Count(run.Stdout, "(?m)^PASS x64 "));
        Assert.Matches("(?m)^rehearse-arm64: linux-arm64 under qemu-aarch64 .*: 20/20 fresh starts passed 13/13", run.Stdout);
        Assert.Matches(@"(?m)^rehearse-arm64: linux-x64 at 20% of a CPU \(.*\): 5/5 fresh starts passed 13/13", run.Stdout);
    }
}
