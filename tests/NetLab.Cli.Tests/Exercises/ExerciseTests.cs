using System.Net;
using System.Net.Sockets;
using NetLab.Testing;
using NetLab.Cli.Tests.Support;

namespace NetLab.Cli.Tests.Exercises;

/// <summary>Every exercise against a real agent, and against peers that misbehave.</summary>
public sealed class ExerciseTests(AgentFixture fixture) : IClassFixture<AgentFixture>, IDisposable
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
        Assert.Equal("netlab.connect/3", json.GetProperty("schema").GetString());
        Assert.Equal(13, json.GetProperty("passed").GetInt32());
        Assert.Equal(0, json.GetProperty("failed").GetInt32());
        var ids = json.GetProperty("exercises").EnumerateArray().Select(e => e.GetProperty("id").GetString()).ToArray();
        Assert.Equal(NetLab.Cli.Exercises.Catalog.Ids, ids);
        foreach (var exercise in json.GetProperty("exercises").EnumerateArray())
        {
            Assert.True(exercise.GetProperty("figures").EnumerateObject().Any(), $"{exercise.GetProperty("id")} has no figures");
            Assert.True(exercise.GetProperty("display").EnumerateObject().Any(), $"{exercise.GetProperty("id")} has no figures to show");
            Assert.False(string.IsNullOrWhiteSpace(exercise.GetProperty("try").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(exercise.GetProperty("teaches").GetString()));
        }
    }

    [Fact]
    public async Task Json_figures_are_numbers_with_their_unit_in_the_key_and_a_display_beside_them()
    {
        var run = await Netlab.RunAsync("connect", "127.0.0.1", "--port", Agent.Port.ToString(), "--only", "tcp,echo,transfer,udp,http,pipe-vs-socket", "--json", "--known-hosts", _pins);
        run.AssertExit(0);
        Assert.Equal("netlab.connect/3", run.Json.GetProperty("schema").GetString());
        var exercises = run.Json.GetProperty("exercises").EnumerateArray().ToDictionary(e => e.GetProperty("id").GetString()!);

        var echo = exercises["echo"].GetProperty("figures");
        var median = echo.GetProperty("rttMedianMs").GetDouble();
        Assert.InRange(median, 0.001, 1000);
        Assert.True(echo.GetProperty("rttMinMs").GetDouble() <= median && median <= echo.GetProperty("rttP99Ms").GetDouble());
        Assert.True(echo.GetProperty("probes").GetInt32() >= 5);
        Assert.EndsWith(" ms", exercises["echo"].GetProperty("display").GetProperty("RTT median").GetString());

        var udp = exercises["udp"].GetProperty("figures");
        Assert.Equal(200, udp.GetProperty("sent").GetInt32());
        Assert.InRange(udp.GetProperty("lossPercent").GetDouble(), 0, 100);
        Assert.Equal(udp.GetProperty("sent").GetInt32() - udp.GetProperty("received").GetInt32(), (int)Math.Round(udp.GetProperty("lossPercent").GetDouble() * 2));
        Assert.True(udp.GetProperty("tcpRttMedianMs").GetDouble() > 0);

        var transfer = exercises["transfer"].GetProperty("figures");
        Assert.True(transfer.GetProperty("sizeBytes").GetInt64() >= 64 << 10);
        Assert.True(transfer.GetProperty("uploadMBps").GetDouble() > 0);
        Assert.Equal(64, transfer.GetProperty("sha256").GetString()!.Length);

        var redirect = exercises["http"].GetProperty("figures").GetProperty("GET /redirect");
        Assert.Equal(301, redirect.GetProperty("status").GetInt32());
        Assert.True(redirect.GetProperty("ms").GetDouble() > 0);
        Assert.True(exercises["tcp"].GetProperty("figures").GetProperty("handshakeMs").GetDouble() > 0);
        Assert.True(exercises["pipe-vs-socket"].GetProperty("figures").GetProperty("pipeMBps").GetDouble() > 0);

        // Whatever the exercise: a key that names a unit holds a number, never "6.0 ms".
        foreach (var figure in exercises.Values.SelectMany(e => e.GetProperty("figures").EnumerateObject()))
        {
            if (System.Text.RegularExpressions.Regex.IsMatch(figure.Name, "(Ms|MBps|Percent|Bytes)$"))
            {
                Assert.True(figure.Value.ValueKind == System.Text.Json.JsonValueKind.Number, $"{figure.Name} is {figure.Value}");
            }
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
    public async Task An_ncat_file_the_agent_refuses_fails_with_the_agents_reason()
    {
        // A storage quota smaller than the file: the agent stops storing and closes the raw connection, which says
        // nothing; the exercise reports what the agent said on the session, as a person running nc reads it there.
        // (When the close breaks the send itself, as under load in a class, the exercise still reads the session:
        // on loopback the socket buffers take the whole file first, so that path is not forced here.)
        await using var agent = await TestAgent.StartAsync(limits => limits with { TrustedStoredBytesPerAddress = 16 << 10, MaxStoredBytesPerAddress = 16 << 10 });
        var run = await Netlab.RunAsync("connect", "127.0.0.1", "--port", agent.Port.ToString(), "--only", "ncat-file", "--json", "--known-hosts", _pins);
        run.AssertExit(1);
        var error = Assert.Single(run.Json.GetProperty("exercises").EnumerateArray()).GetProperty("error").GetString()!;
        Assert.Contains("ERROR ", error);
        Assert.DoesNotContain("Broken pipe", error);
        Assert.DoesNotContain("Connection reset", error);
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

    private static readonly string[] CopiesCompared = ["pipe", "loopbackSocket", "agent"];

    [Fact]
    public async Task Json_v3_carries_the_samples_behind_the_charts_beside_v2s_figures()
    {
        var run = await Netlab.RunAsync("connect", "127.0.0.1", "--port", Agent.Port.ToString(), "--only", "echo,transfer,http,udp,pipe-vs-socket", "--json", "--known-hosts", _pins);
        run.AssertExit(0);
        Assert.Equal("netlab.connect/3", run.Json.GetProperty("schema").GetString());
        var exercises = run.Json.GetProperty("exercises").EnumerateArray().ToDictionary(e => e.GetProperty("id").GetString()!);

        // echo: every probe's RTT, in the order sent; the figures are theirs.
        var echo = exercises["echo"];
        var rtts = echo.GetProperty("samples").GetProperty("rttMs").EnumerateArray().Select(v => v.GetDouble()).ToList();
        Assert.Equal(echo.GetProperty("figures").GetProperty("probes").GetInt32(), rtts.Count);
        Assert.InRange(rtts.Count, 5, 200);
        Assert.Equal(echo.GetProperty("figures").GetProperty("rttMinMs").GetDouble(), rtts.Min(), 2);

        // udp: all 200 probes by sequence number, lost or with their RTT and arrival order.
        var udp = exercises["udp"];
        var probes = udp.GetProperty("samples").GetProperty("probes").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(0, 200), probes.Select(p => p.GetProperty("seq").GetInt32()));
        var back = probes.Where(p => !p.GetProperty("lost").GetBoolean()).ToList();
        Assert.Equal(udp.GetProperty("figures").GetProperty("received").GetInt32(), back.Count);
        Assert.All(back, p => Assert.True(p.GetProperty("rttMs").GetDouble() > 0));
        Assert.Equal(Enumerable.Range(0, back.Count), back.Select(p => p.GetProperty("arrival").GetInt32()).Order());
        Assert.All(probes.Except(back), p => Assert.Equal(System.Text.Json.JsonValueKind.Null, p.GetProperty("rttMs").ValueKind));
        Assert.Equal(udp.GetProperty("figures").GetProperty("reordered").GetInt32(), probes.Count(p => p.GetProperty("reordered").GetBoolean()));

        // transfer: the rate per interval, each way, adding up to the bytes moved.
        var transfer = exercises["transfer"];
        foreach (var way in new[] { "upload", "download" })
        {
            var series = transfer.GetProperty("samples").GetProperty(way);
            Assert.Equal(transfer.GetProperty("figures").GetProperty("sizeBytes").GetInt64(), series.GetProperty("bytes").GetInt64());
            var intervals = series.GetProperty("intervals").EnumerateArray().ToList();
            Assert.InRange(intervals.Count, 1, 40);
            Assert.Equal(series.GetProperty("bytes").GetInt64(), intervals.Sum(i => i.GetProperty("bytes").GetInt64()));
            Assert.Contains(intervals, i => i.GetProperty("rateMBps").GetDouble() > 0);
            Assert.True(series.GetProperty("intervalMs").GetDouble() > 0);
        }

        // http: every request with the status it had to get, the one it got, and its time.
        var routes = exercises["http"].GetProperty("samples").GetProperty("routes").EnumerateArray().ToList();
        Assert.Equal(7, routes.Count);
        Assert.All(routes, r => Assert.Equal(r.GetProperty("expected").GetInt32(), r.GetProperty("status").GetInt32()));
        Assert.All(routes, r => Assert.True(r.GetProperty("ms").GetDouble() > 0));
        Assert.Equal(301, exercises["http"].GetProperty("figures").GetProperty("GET /redirect").GetProperty("status").GetInt32()); // v2's keys stay

        // pipe-vs-socket: the three copies, as bytes in a time, the rates as in the figures.
        var copies = exercises["pipe-vs-socket"];
        var rates = copies.GetProperty("samples").GetProperty("rates").EnumerateArray().ToList();
        Assert.Equal(CopiesCompared, rates.Select(r => r.GetProperty("name").GetString()));
        Assert.Equal(copies.GetProperty("figures").GetProperty("pipeMBps").GetDouble(), rates[0].GetProperty("rateMBps").GetDouble(), 1);
        Assert.All(rates, r => Assert.True(r.GetProperty("bytes").GetInt64() > 0 && r.GetProperty("seconds").GetDouble() > 0));
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
