using System.Net;
using System.Net.Sockets;
using NetLab.Agent.Tests.Support;
using NetLab.Cli.Tests.Support;

namespace NetLab.Cli.Tests.Exercises;

/// <summary>Every exercise against a real agent, and against peers that misbehave.</summary>
public class ExerciseTests(AgentFixture fixture) : IClassFixture<AgentFixture>, IDisposable
{
    private readonly string _pins = Path.Combine(Directory.CreateTempSubdirectory("netlab-pins-").FullName, "known_hosts");

    private TestAgent Agent => fixture.Agent;

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_pins)!, recursive: true);

    public static TheoryData<string> Ids => new(NetLab.Cli.Exercises.Catalog.Ids);

    [Fact]
    public async Task Lab_runs_all_thirteen_and_passes()
    {
        var run = await Netlab.RunAsync("lab", "--json");
        run.AssertExit(0);
        var json = run.Json;
        Assert.Equal("netlab.connect/1", json.GetProperty("schema").GetString());
        Assert.Equal(13, json.GetProperty("passed").GetInt32());
        Assert.Equal(0, json.GetProperty("failed").GetInt32());
        var ids = json.GetProperty("exercises").EnumerateArray().Select(e => e.GetProperty("id").GetString()).ToArray();
        Assert.Equal(NetLab.Cli.Exercises.Catalog.Ids, ids);
        foreach (var exercise in json.GetProperty("exercises").EnumerateArray())
        {
            Assert.True(exercise.GetProperty("figures").EnumerateObject().Any(), $"{exercise.GetProperty("id")} has no figures");
            Assert.False(string.IsNullOrWhiteSpace(exercise.GetProperty("try").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(exercise.GetProperty("teaches").GetString()));
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task Each_exercise_passes_against_a_running_agent(string id)
    {
        var run = await Netlab.RunAsync("connect", "127.0.0.1", "--port", Agent.Port.ToString(), "--only", id, "--json", "--known-hosts", _pins);
        var exercise = Assert.Single(run.Json.GetProperty("exercises").EnumerateArray());
        Assert.True(exercise.GetProperty("passed").GetBoolean(), exercise.ToString());
        Assert.Equal(id, exercise.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Plain_text_output_shows_pass_figures_lessons_and_commands()
    {
        var run = await Netlab.RunAsync("connect", "127.0.0.1", "--port", Agent.Port.ToString(), "--only", "tcp,http", "--known-hosts", _pins);
        run.AssertExit(0);
        Assert.Contains("PASS [1/2] tcp: TCP connection and banner", run.Out);
        Assert.Contains("handshake: ", run.Out);
        Assert.Contains("what it shows: HTTP is text over TCP", run.Out);
        Assert.Contains($"try by hand: telnet 127.0.0.1 {Agent.Port}", run.Out);
        Assert.Contains("GET /redirect: 301 Moved Permanently", run.Out);
        Assert.Contains("2 passed, 0 failed", run.Out);
    }

    [Fact]
    public async Task The_tls_exercise_fails_loudly_when_the_pinned_fingerprint_changed_and_re_pins_on_request()
    {
        var endpoint = $"127.0.0.1:{Agent.Port}";
        var stale = string.Join(':', Enumerable.Repeat("AB", 32));
        await File.WriteAllTextAsync(_pins, $"{endpoint} {stale}\n");

        var run = await Netlab.RunAsync("connect", "127.0.0.1", "--port", Agent.Port.ToString(), "--only", "tls", "--known-hosts", _pins);
        run.AssertExit(1);
        Assert.Contains("FAIL [1/1] tls", run.Out);
        Assert.Contains(stale, run.Out);
        Assert.Contains(Agent.Host.Fingerprint, run.Out);
        Assert.Contains("--trust-new-cert", run.Out);

        var trusted = await Netlab.RunAsync("connect", "127.0.0.1", "--port", Agent.Port.ToString(), "--only", "tls", "--known-hosts", _pins, "--trust-new-cert");
        trusted.AssertExit(0);
        Assert.Contains($"{endpoint} {Agent.Host.Fingerprint}", await File.ReadAllTextAsync(_pins));

        var again = await Netlab.RunAsync("connect", "127.0.0.1", "--port", Agent.Port.ToString(), "--only", "tls", "--known-hosts", _pins);
        again.AssertExit(0);
        Assert.Contains("pin: matches the pinned fingerprint", again.Out);
    }

    [Fact]
    public async Task Nothing_listening_is_a_connection_error_with_exit_2()
    {
        var port = Netlab.FreePort();
        var run = await Netlab.RunAsync("connect", "127.0.0.1", "--port", port.ToString());
        run.AssertExit(2);
        Assert.Contains($"connection refused: the host answered, but nothing listens on 127.0.0.1:{port}", run.Error);
        Assert.Contains("is netlab-agent running?", run.Error);
        Assert.Contains($"Try: nc -zv 127.0.0.1 {port}", run.Error);

        var json = await Netlab.RunAsync("connect", "127.0.0.1", "--port", port.ToString(), "--json");
        json.AssertExit(2);
        Assert.Equal("netlab.error/1", json.Json.GetProperty("schema").GetString());
    }

    [Fact]
    public async Task Report_writes_markdown()
    {
        var report = Path.Combine(Path.GetDirectoryName(_pins)!, "report.md");
        var run = await Netlab.RunAsync("connect", "127.0.0.1", "--port", Agent.Port.ToString(), "--only", "chatter,udp", "--report", report, "--known-hosts", _pins);
        run.AssertExit(0);
        var md = await File.ReadAllTextAsync(report);
        Assert.StartsWith($"# netlab report: 127.0.0.1:{Agent.Port}", md);
        Assert.Contains("| chatter | PASS |", md);
        Assert.Contains("## udp: UDP: loss, reordering, RTT (PASS)", md);
        Assert.Contains("Try by hand: `nc -u 127.0.0.1", md);
    }
}
