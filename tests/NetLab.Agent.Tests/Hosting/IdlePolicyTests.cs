using NetLab.Agent.Hosting;
using NetLab.Testing;

namespace NetLab.Agent.Tests.Hosting;

[Trait("Loop", "Slow")] // starts netlab-agent processes
public sealed class IdlePolicyTests : IDisposable
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(60);
    private readonly string _dataDir = Directory.CreateTempSubdirectory("netlab-idle-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    private static readonly TimeSpan Max = TimeSpan.FromHours(8);

    [Fact]
    public void A_fresh_host_gets_one_full_ttl_even_with_no_agent() =>
        Assert.False(IdlePolicy.Decide(new IdleFacts(null, 0, TimeSpan.FromMinutes(59), Ttl, Max)).Stop);

    [Fact]
    public void A_host_up_past_the_ttl_whose_agent_does_not_answer_stops()
    {
        var verdict = IdlePolicy.Decide(new IdleFacts(null, 0, TimeSpan.FromMinutes(61), Ttl, Max));
        Assert.True(verdict.Stop);
        Assert.Contains("does not answer", verdict.Reason);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(59, false)]
    [InlineData(60, true)]
    [InlineData(600, true)]
    public void The_agent_s_idle_time_decides_once_the_host_is_up_long_enough(int idleMinutes, bool stop) =>
        Assert.Equal(stop, IdlePolicy.Decide(new IdleFacts(TimeSpan.FromMinutes(idleMinutes), 0, TimeSpan.FromHours(5), Ttl, Max)).Stop);

    [Fact]
    public void A_zero_ttl_never_stops_for_idleness() =>
        Assert.False(IdlePolicy.Decide(new IdleFacts(TimeSpan.FromDays(3), 0, TimeSpan.FromDays(3), TimeSpan.Zero, TimeSpan.Zero)).Stop);

    [Fact]
    public void An_open_ssh_login_keeps_the_host_running_even_with_the_agent_stopped()
    {
        var verdict = IdlePolicy.Decide(new IdleFacts(null, 1, TimeSpan.FromHours(2), Ttl, Max));
        Assert.False(verdict.Stop);
        Assert.Contains("1 ssh login open", verdict.Reason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void The_maximum_lifetime_stops_the_host_whatever_the_traffic(int logins)
    {
        var busy = new IdleFacts(TimeSpan.Zero, logins, TimeSpan.FromHours(8), Ttl, Max);
        var verdict = IdlePolicy.Decide(busy);
        Assert.True(verdict.Stop);
        Assert.Contains("maximum lifetime of 8.0 h is reached", verdict.Reason);
        Assert.False(IdlePolicy.Decide(busy with { Uptime = TimeSpan.FromHours(7.9) }).Stop);
        Assert.True(IdlePolicy.Decide(busy with { Ttl = TimeSpan.Zero }).Stop); // the lifetime holds with the TTL off
        Assert.False(IdlePolicy.Decide(busy with { MaxLifetime = TimeSpan.Zero }).Stop);
    }

    [Fact]
    public void Login_records_count_live_user_processes_only()
    {
        var path = Path.Combine(_dataDir, "utmp");
        File.WriteAllBytes(path, [
            .. LoginRecords.Record("ec2-user", "pts/0", Environment.ProcessId),
            .. LoginRecords.Record("ghost", "pts/1", 999_999_999), // its process is gone: a stale record
            .. new byte[384], // an empty slot
        ]);
        Assert.Equal(1, LoginRecords.CountOpen(path));
        Assert.Equal(0, LoginRecords.CountOpen(Path.Combine(_dataDir, "missing")));
    }

    [Fact]
    public async Task Health_reports_idle_time_and_loopback_does_not_count_as_activity()
    {
        // The agent's clock, not the test's: 25 minutes pass at once.
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var agent = await TestAgent.StartAsync(time: time);
        time.Advance(TimeSpan.FromMinutes(25));
        var first = System.Text.Json.JsonDocument.Parse((await Curl.GetAsync($"{agent.HttpUrl}/health")).Body).RootElement;
        Assert.Equal(1500, first.GetProperty("idleSeconds").GetDouble());
        Assert.Equal("ok", first.GetProperty("status").GetString());

        // A page fetched from loopback (the host's own checks come from there) is not lab use.
        await Curl.GetAsync($"{agent.HttpUrl}/index/Adam");
        time.Advance(TimeSpan.FromMinutes(1));
        var second = System.Text.Json.JsonDocument.Parse((await Curl.GetAsync($"{agent.HttpUrl}/health")).Body).RootElement;
        Assert.Equal(1560, second.GetProperty("idleSeconds").GetDouble());
    }

    [Fact]
    public async Task Idle_check_keeps_a_young_host_running_and_exits_0()
    {
        // This test machine booted more than a minute ago; a TTL of 100 days is not reached, so: keep running.
        var (agent, port) = await AgentProcess.StartOnLoopbackAsync(_dataDir);
        await using var _ = agent;
        await using var check = AgentProcess.Start("idle-check", "--ttl", "2400h", "--max-lifetime", "0s", "--port", port.ToString());
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
        await using var check = AgentProcess.Start("idle-check", "--ttl", "1s", "--max-lifetime", "0s", "--port", port.ToString(), "--logins", NoLogins());
        await check.WaitForExitAsync(30);
        check.AssertExit(IdleCheckCommand.StopExitCode);
        Assert.Contains("stop: no lab use for", check.Stdout);
    }

    [Fact]
    public async Task Idle_check_keeps_a_host_with_an_ssh_login_running()
    {
        var (agent, port) = await AgentProcess.StartOnLoopbackAsync(_dataDir);
        await using var _ = agent;
        var logins = Path.Combine(_dataDir, "utmp");
        await File.WriteAllBytesAsync(logins, LoginRecords.Record("ec2-user", "pts/0", Environment.ProcessId));
        await using var check = AgentProcess.Start("idle-check", "--ttl", "1s", "--max-lifetime", "0s", "--port", port.ToString(), "--logins", logins);
        await check.WaitForExitAsync(30);
        check.AssertExit(0);
        Assert.Contains("keep running: 1 ssh login open on the host", check.Stdout);
    }

    [Fact]
    public async Task Idle_check_stops_a_host_past_its_maximum_lifetime()
    {
        // This machine has been up longer than a second: a one-second lifetime is over.
        var (agent, port) = await AgentProcess.StartOnLoopbackAsync(_dataDir);
        await using var _ = agent;
        await using var check = AgentProcess.Start("idle-check", "--ttl", "2400h", "--max-lifetime", "1s", "--port", port.ToString());
        await check.WaitForExitAsync(30);
        check.AssertExit(IdleCheckCommand.StopExitCode);
        Assert.Contains("the maximum lifetime of", check.Stdout);
    }

    private string NoLogins()
    {
        var path = Path.Combine(_dataDir, "no-logins");
        File.WriteAllBytes(path, []);
        return path;
    }
}
