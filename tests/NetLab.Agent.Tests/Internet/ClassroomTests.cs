using System.Text.Json;
using NetLab.Testing;

namespace NetLab.Agent.Tests.Internet;

/// <summary>
/// A class behind one campus NAT: thirty students run <c>netlab connect</c> at the same moment from one address,
/// twice in a row, as they would in a lab session. With the address trusted (the stack passes the security
/// group's CIDR as --trusted), every exercise passes for every student; without it (a host open to the
/// internet, or deployed for one student), nothing crashes and every refusal says what to do.
/// </summary>
[Collection(Alone.Name)]
[Trait("Loop", "Slow")] // needs root and network namespaces (TestInternet)
public sealed class ClassroomTests : IDisposable
{
    private const int Students = 30;

    /// <summary>
    /// Thirty students' machines are thirty processes on this one (two cores, and JIT-compiling netlab thirty times
    /// at once): a TLS hello or an HTTP request can leave a student's process later than the default sniff window
    /// of 300 ms. The design's window goes up to a second; on a campus, each student has a machine of their own.
    /// </summary>
    private static readonly string[] Loaded = ["--sniff-timeout", "1s"];
    private readonly string _dir = Directory.CreateTempSubdirectory("netlab-class-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>netlab's build output, copied beside the tests by the project reference.</summary>
    private static string NetlabDll => Path.Combine(AppContext.BaseDirectory, "netlab.dll");

    [Fact]
    public async Task Thirty_students_behind_one_trusted_address_pass_every_exercise_two_rounds_in_a_row()
    {
        using var net = new TestInternet(clientAddresses: 1);
        var campus = net.ClientAddresses[0];
        await net.StartAgentAsync(Path.Combine(_dir, "agent"), ["--trusted", $"{campus}/32", .. Loaded]);
        StartSshStandIn(net);

        for (var round = 1; round <= 2; round++)
        {
            var reports = await ClassAsync(net, round);
            var failures = reports.SelectMany(r => r.Failed).ToList();
            Assert.True(failures.Count == 0, $"round {round}: {failures.Count} failures:\n{string.Join('\n', failures.Take(20))}");
            Assert.All(reports, r => Assert.Equal(13, r.Passed));
        }
    }

    [Fact]
    public async Task The_same_class_untrusted_crashes_nothing_and_every_refusal_says_what_to_do_and_the_daily_total_holds()
    {
        using var net = new TestInternet(clientAddresses: 1);
        var agent = await net.StartAgentAsync(Path.Combine(_dir, "agent"), ["--egress-per-address", "32M", "--egress-per-day", "200M", .. Loaded]);
        StartSshStandIn(net);

        for (var round = 1; round <= 2; round++)
        {
            var reports = await ClassAsync(net, round);
            Assert.False(agent.HasExited);
            // Each student ran all thirteen, or was told at once that the agent refuses the address for now (its budget).
            Assert.All(reports, r => Assert.True(r.Passed + r.Failed.Count == 13 || r.Refused, r.Raw));
            Assert.Contains(reports.SelectMany(r => r.Failed), f => f.Contains("netlab up --cidr <campus network>", StringComparison.Ordinal)); // a stranger class does meet limits
            foreach (var failure in reports.SelectMany(r => r.Failed))
            {
                // Each refusal a class meets is the agent's sentence, with what to do; never the HTTP client's.
                Assert.DoesNotContain("Response status code does not indicate success", failure);
                Assert.True(
                    failure.Contains("netlab up --cidr <campus network>", StringComparison.Ordinal) || failure.Contains("daily egress budget", StringComparison.Ordinal),
                    $"a refusal without what to do: {failure}");
            }
        }

        // The daily total held: the agent sent no more than the day's 200M (plus what small replies may owe).
        var health = JsonDocument.Parse((await net.RunOnHostAsync("curl", ["-sS", $"http://127.0.0.1:{TestInternet.Port}/health"])).Stdout).RootElement;
        var sent = health.GetProperty("egress").GetProperty("sentBytes").GetInt64();
        Assert.True(sent <= (200L << 20) + (1L << 20), $"sent {sent} bytes, over the day's 200M");
    }

    /// <summary>An ssh stand-in on 22, as the WAN lab has (EC2's sshd): the ports exercise sees 22 open.</summary>
    private static void StartSshStandIn(TestInternet net) =>
        net.StartOnHost(new Dictionary<string, string>(), "ncat", "-l", "-k", "22", "--sh-exec", "echo SSH-2.0-OpenSSH_9.6 netlab-stand-in");

    /// <summary>Thirty netlab connect runs at once from the campus address; each one's JSON report.</summary>
    private async Task<IReadOnlyList<Report>> ClassAsync(TestInternet net, int round)
    {
        var runs = Enumerable.Range(0, Students).Select(async i =>
        {
            var home = Path.Combine(_dir, $"student{i}");
            Directory.CreateDirectory(home);
            var run = await net.RunClientAsync("env", [$"HOME={home}", $"NETLAB_CONFIG_DIR={home}", "dotnet", NetlabDll, "connect", net.HostAddress, "--json", "--trust-new-cert"],
                timeoutSeconds: 600);
            return Report.Parse(run.Stdout, $"round {round} student {i}", run.Stderr);
        });
        return await Task.WhenAll(runs);
    }

    private sealed record Report(int Passed, IReadOnlyList<string> Failed, string Raw, bool Refused = false)
    {
        public static Report Parse(string output, string who, string stderr)
        {
            var start = output.IndexOf('{', StringComparison.Ordinal);
            if (start >= 0 && output.Contains("\"netlab.error/1\"", StringComparison.Ordinal))
            {
                using var error = JsonDocument.Parse(output[start..]);
                var said = error.RootElement.GetProperty("error").GetString() ?? "";
                return new Report(0, [$"{who}: {said}"], output, Refused: said.Contains("refuses your address for now", StringComparison.Ordinal));
            }

            if (start < 0 || !output.Contains("\"exercises\"", StringComparison.Ordinal))
            {
                return new Report(0, [$"{who}: no report: {output} {stderr}"], output + stderr);
            }

            using var json = JsonDocument.Parse(output[start..]);
            var failed = json.RootElement.GetProperty("exercises").EnumerateArray()
                .Where(e => !e.GetProperty("passed").GetBoolean())
                .Select(e => $"{who} {e.GetProperty("id").GetString()}: {(e.TryGetProperty("error", out var error) ? error.ToString() : "?")}")
                .ToList();
            return new Report(json.RootElement.GetProperty("passed").GetInt32(), failed, output);
        }
    }
}

/// <summary>
/// Tests that load the machine as a whole class does (thirty client processes at once) run alone, after the others:
/// beside the rest of the suite on two cores their students' first bytes would arrive later than any sniff window.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Alone
{
    public const string Name = "alone: a whole class at once";
}
