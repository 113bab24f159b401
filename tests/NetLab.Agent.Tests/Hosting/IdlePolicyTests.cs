using NetLab.Agent.Hosting;
using NetLab.Agent.Tests.Support;

namespace NetLab.Agent.Tests.Hosting;

public class IdlePolicyTests : IDisposable
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(60);
    private readonly string _dataDir = Directory.CreateTempSubdirectory("netlab-idle-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public void A_fresh_host_gets_one_full_ttl_even_with_no_agent() =>
        Assert.False(IdlePolicy.Decide(null, TimeSpan.FromMinutes(59), Ttl).Stop);

    [Fact]
    public void A_host_up_past_the_ttl_whose_agent_does_not_answer_stops()
    {
        var verdict = IdlePolicy.Decide(null, TimeSpan.FromMinutes(61), Ttl);
        Assert.True(verdict.Stop);
        Assert.Contains("does not answer", verdict.Reason);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(59, false)]
    [InlineData(60, true)]
    [InlineData(600, true)]
    public void The_agent_s_idle_time_decides_once_the_host_is_up_long_enough(int idleMinutes, bool stop) =>
        Assert.Equal(stop, IdlePolicy.Decide(TimeSpan.FromMinutes(idleMinutes), TimeSpan.FromHours(5), Ttl).Stop);

    [Fact]
    public void A_zero_ttl_never_stops() =>
        Assert.False(IdlePolicy.Decide(TimeSpan.FromDays(3), TimeSpan.FromDays(3), TimeSpan.Zero).Stop);

    [Fact]
    public async Task Health_reports_idle_time_and_loopback_does_not_count_as_activity()
    {
        await using var agent = await TestAgent.StartAsync();
        await Task.Delay(1200);
        var first = System.Text.Json.JsonDocument.Parse((await Curl.GetAsync($"{agent.HttpUrl}/health")).Body).RootElement;
        var second = System.Text.Json.JsonDocument.Parse((await Curl.GetAsync($"{agent.HttpUrl}/health")).Body).RootElement;
        Assert.True(first.GetProperty("idleSeconds").GetDouble() >= 1.0);
        Assert.True(second.GetProperty("idleSeconds").GetDouble() >= first.GetProperty("idleSeconds").GetDouble());
    }

    [Fact]
    public async Task Idle_check_keeps_a_young_host_running_and_exits_0()
    {
        // This test machine booted more than a minute ago; a TTL of 100 days is not reached, so: keep running.
        var (agent, port) = await AgentProcess.StartOnLoopbackAsync(_dataDir);
        await using var _ = agent;
        await using var check = AgentProcess.Start("idle-check", "--ttl", "2400h", "--port", port.ToString());
        await check.WaitForExitAsync(30);
        check.AssertExit(0);
        Assert.Contains("keep running", check.Stdout);
    }

    [Fact]
    public async Task Idle_check_says_stop_with_exit_3_when_idle_past_the_ttl()
    {
        var (agent, port) = await AgentProcess.StartOnLoopbackAsync(_dataDir);
        await using var _ = agent;
        await Task.Delay(1500);
        await using var check = AgentProcess.Start("idle-check", "--ttl", "1s", "--port", port.ToString());
        await check.WaitForExitAsync(30);
        check.AssertExit(IdleCheckCommand.StopExitCode);
        Assert.Contains("stop: no lab connection for", check.Stdout);
    }
}
