using System.Text.Json;
using NetLab.Testing;
using NetLab.Cli.Tests.Support;

namespace NetLab.Cli.Tests.Commands;

/// <summary>
/// The mistakes a new student makes, typed into the real netlab process: each is one line that says what was
/// wrong and the form that works, exit 2, never a stack trace; with --json a netlab.error/1 document instead.
/// </summary>
public class UsageErrorTests
{
    public static TheoryData<string[], string> BadInputs => new()
    {
        { ["connect", "127.0.0.1", "--port", "abc"], "--port: 'abc' is not a port; give a number from 1 to 65535, e.g. --port 11211" },
        { ["connect", "127.0.0.1", "-p", "70000"], "-p: '70000' is not a port" },
        { ["connect", "127.0.0.1", "--port"], "--port needs a value" },
        { ["connect"], "missing <host>; usage: netlab connect <host> [options]" },
        { ["connect", "--prot", "1", "127.0.0.1"], "unknown option '--prot'; usage: netlab connect <host> [options]" },
        { ["frobnicate"], "unknown command 'frobnicate'; the commands are connect, lab, nc" },
        { ["ports", "127.0.0.1", "--timeout", "-1"], "--timeout: '-1' is not a time; give seconds greater than 0, e.g. --timeout 2" },
        { ["ports", "127.0.0.1", "--timeout", "0"], "--timeout: '0' is not a time" },
        { ["ports", "127.0.0.1", "--ports", "22,http"], "--ports: 'http' is not a port" },
        { ["lab", "--report", "/nonexistent/dir/r.md"], "--report: the folder /nonexistent/dir does not exist" },
        { ["lab", "--report", Path.GetTempPath().TrimEnd('/')], "is a folder; give a file in it, e.g. --report" },
        { ["lab", "--only", ""], "--only: no exercise named; give one or more" },
        { ["lab", "--only", "tpc"], "--only: unknown exercise 'tpc'; the exercises are tcp, chatter" },
        { ["lab", "--serve", "abc"], "--serve: 'abc' is not a port" },
        { ["lab", "--web-port", "8080"], "--web-port: only with --serve" },
        { ["lab", "--serve", "--web-port", "0"], "--web-port: '0' is not a port" },
        { ["lab", "--wan", "--serve", "--web-port", "8080"], "--web-port: the lab host of --wan has no web port" },
        { ["lab", "--wan", "forty"], "'forty' is not a one-way delay" },
        { ["nc", "-w", "two", "127.0.0.1", "1"], "-w: 'two' is not a time; give seconds greater than 0, e.g. -w 2, -w 0.5 or -w 500ms" },
        { ["nc", "-i", "-1", "127.0.0.1", "1"], "-i: '-1' is not a time; give seconds (0 or more)" },
        { ["nc", "127.0.0.1"], "connect needs HOST and PORT" },
        { ["nc", "-u", "127.0.0.1", "0"], "'0' is not a port; give a number from 1 to 65535" },
        { ["info", "--resolve", ""], "--resolve: no name given; e.g. --resolve localhost" },
        { ["ports", "", "--ports", "22"], "an empty argument where <host> goes" },
        { ["lab", "--wan", ""], "--wan: no path given; give DELAY[,LOSS[,RATE]]" },
        { ["http", "ftp://example.invalid/"], "is not an http:// or https:// URL" },
        { ["tls", "a:b:c"], "'a:b:c' is not host:port" },
        { ["start", "--timeout", "-1"], "--timeout: '-1' is not a time; give seconds greater than 0" },
        { ["start", "--port", "abc"], "--port: 'abc' is not a port" },
        { ["up", "--region", "us-east-1", "--cidr", "10.0.0.1/33"], "--cidr: '/33' is not a prefix length (0-32)" },
        { ["up", "--region", "us-east-1", "-c", "ttlMinutes"], "-c: 'ttlMinutes' is not KEY=VALUE (e.g. -c ttlMinutes=30)" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task A_bad_command_line_is_one_line_with_the_valid_form_and_exit_2(string[] args, string message)
    {
        await using var netlab = Netlab.Start(args);
        netlab.CloseStdin();
        await netlab.WaitForExitAsync(30);
        netlab.AssertExit(2);
        AssertNoTrace(netlab);
        Assert.Equal("", netlab.Stdout);
        var line = Assert.Single(netlab.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("netlab", line);
        Assert.Contains(message, line);
        Assert.DoesNotContain("started netlab-agent", line); // refused before anything ran (--report is checked first)
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task With_json_the_same_mistake_is_a_netlab_error_document(string[] args, string message)
    {
        await using var netlab = Netlab.Start([args[0], "--json", .. args[1..]]); // right after the command: never taken for a value
        netlab.CloseStdin();
        await netlab.WaitForExitAsync(30);
        netlab.AssertExit(2);
        AssertNoTrace(netlab);

        // nc's stdout is the data, so its JSON (the summary, and this) is on stderr; everyone else's is stdout.
        var document = args[0] == "nc" ? netlab.Stderr : netlab.Stdout;
        var error = JsonDocument.Parse(document).RootElement;
        Assert.Equal("netlab.error/1", error.GetProperty("schema").GetString());
        Assert.Equal(2, error.GetProperty("exitCode").GetInt32());
        Assert.Contains(message, error.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_report_path_is_checked_before_the_lab_runs_and_an_existing_file_is_left_alone()
    {
        using var scratch = new ScratchDir();
        var existing = Path.Combine(scratch.Path, "old.md");
        await File.WriteAllTextAsync(existing, "keep me");
        var bad = await Netlab.RunAsync("lab", "--only", "tcp", "--report", Path.Combine(scratch.Path, "missing", "r.md"));
        bad.AssertExit(2);
        Assert.DoesNotContain("exercises against", bad.Out);
        Assert.False(Directory.Exists(Path.Combine(scratch.Path, "missing")));

        var fresh = Path.Combine(scratch.Path, "new.md");
        var checkOnly = await Netlab.RunAsync("lab", "--only", "nonsense", "--report", fresh);
        checkOnly.AssertExit(2);
        Assert.False(File.Exists(fresh), "the writability check must not leave an empty report behind");

        var good = await Netlab.RunAsync("lab", "--only", "tcp", "--report", existing);
        good.AssertExit(0);
        Assert.StartsWith("# netlab report: 127.0.0.1:", await File.ReadAllTextAsync(existing));
    }

    [Fact]
    public async Task A_value_a_validator_cannot_read_is_a_usage_error_too_not_a_crash()
    {
        // The pattern that crashed connect --port abc (exit 134): a validator reading a value that does not convert
        // throws from inside Parse. Any command written so, now or later, still gets one line and exit 2.
        var timeout = new System.CommandLine.Option<int>("--timeout")
        {
            Validators = { r => { if (r.GetValueOrDefault<int>() < 1) { r.AddError("--timeout must be 1 or more"); } } },
        };
        var start = new System.CommandLine.Command("start") { timeout };
        start.SetAction(_ => 0);
        var root = new System.CommandLine.Command("netlab") { start };

        foreach (var json in new[] { false, true })
        {
            var output = new StringWriter();
            var error = new StringWriter();
            string[] args = json ? ["start", "--timeout", "abc", "--json"] : ["start", "--timeout", "abc"];
            var code = await NetlabApp.RunAsync(root, args, new CliIO(output, error, isTerminal: false));
            Assert.Equal(2, code);
            var message = "--timeout: 'abc' is not a whole number; usage: netlab start [options] (more: netlab start --help)";
            if (json)
            {
                Assert.Equal(message, JsonDocument.Parse(output.ToString()).RootElement.GetProperty("error").GetString());
            }
            else
            {
                Assert.Equal($"netlab start: {message}", error.ToString().Trim());
            }
        }
    }

    private static void AssertNoTrace(Tool netlab)
    {
        var all = netlab.Stdout + netlab.Stderr;
        Assert.DoesNotContain("Unhandled", all);
        Assert.DoesNotContain("   at ", all);
        Assert.DoesNotContain("Exception", all);
    }
}
