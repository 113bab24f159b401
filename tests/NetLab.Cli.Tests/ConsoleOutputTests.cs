using System.Text.RegularExpressions;
using NetLab.Cli.Cloud;
using NetLab.Cli.Commands;
using NetLab.Cli.Exercises;
using NetLab.Cli.Tests.Support;
using NetLab.Testing;

namespace NetLab.Cli.Tests;

/// <summary>
/// Output that fits where it goes: no escape byte with NO_COLOR or into a pipe, and on a narrow terminal lines that
/// wrap to their indent with every by-hand command whole on one line, so it can be copied.
/// </summary>
public class ConsoleOutputTests(AgentFixture fixture) : IClassFixture<AgentFixture>
{
    private const char Esc = '\u001b';

    private TestAgent Agent => fixture.Agent;

    [Fact]
    public async Task A_terminal_gets_escapes_but_not_with_NO_COLOR()
    {
        // A real terminal (script gives netlab a pty): colour and the live line there, and none at all with NO_COLOR=1,
        // not even the keypad mode .NET writes on a terminal's first use.
        var command = $"dotnet '{Netlab.Dll}' connect 127.0.0.1 --port {Agent.Port} --only tcp,http,ports";
        var coloured = await Tool.ShellAsync($"script -qec \"{command}\" /dev/null", 60);
        coloured.AssertExit(0);
        Assert.Contains(Esc, coloured.Stdout);

        var plain = await Tool.ShellAsync($"NO_COLOR=1 script -qec \"{command}\" /dev/null", 60);
        plain.AssertExit(0);
        Assert.Contains("PASS [3/3] ports", plain.Stdout);
        Assert.DoesNotContain(Esc, plain.Stdout);
    }

    [Theory]
    [InlineData("connect", "127.0.0.1", "--only", "tcp,http,ports")]
    [InlineData("ports", "127.0.0.1", "--ports", "1,22")]
    [InlineData("lab", "--only", "tls")]
    [InlineData("--help")]
    public async Task Piped_output_has_no_escape_byte(params string[] args)
    {
        if (args[0] == "connect")
        {
            args = [.. args, "--port", Agent.Port.ToString()];
        }

        await using var netlab = Netlab.Start(args); // stdout and stderr are pipes
        netlab.CloseStdin();
        await netlab.WaitForExitAsync(60);
        netlab.AssertExit(0);
        Assert.NotEmpty(netlab.Stdout);
        Assert.DoesNotContain(Esc, netlab.Stdout);
        Assert.DoesNotContain(Esc, netlab.Stderr);
    }

    [Fact]
    public async Task At_60_columns_lines_keep_their_indent_and_commands_stay_whole()
    {
        var run = await Netlab.RunAsync(width: 60, CancellationToken.None, "connect", "127.0.0.1", "--port", Agent.Port.ToString());
        run.AssertExit(0);
        var lines = run.Out.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
        var commands = Catalog.All.SelectMany(e => Backticked(e.TryByHand("127.0.0.1", Agent.Port))).ToList();
        Assert.NotEmpty(commands);

        // Every command of every exercise whole on one line (a long one alone on its line, past the width if it must be).
        foreach (var command in commands)
        {
            Assert.True(lines.Any(l => l.Contains(command, StringComparison.Ordinal)), $"\"{command}\" is broken across lines:\n{run.Out}");
        }

        // Only a single unbreakable thing (a command, a fingerprint) runs past 60 columns; everything else wraps.
        foreach (var line in lines.Where(l => l.Length > 60))
        {
            var text = line.Trim();
            Assert.True(commands.Contains(text) || !text.Contains(' '), $"a line of {line.Length} columns:\n{line}");
        }

        // Under a PASS/FAIL line, every line (wrapped ones included) sits 7 columns in.
        foreach (var line in lines.SkipWhile(l => !l.StartsWith("PASS", StringComparison.Ordinal)))
        {
            Assert.True(Regex.IsMatch(line, "^(PASS|FAIL) |^ {7}\\S|^\\d+ passed"), $"a line that lost its indent: \"{line}\"\n{run.Out}");
        }
    }

    [Fact]
    public void A_command_that_does_not_fit_goes_to_a_line_of_its_own_whole()
    {
        var line = new ConsoleLine(7).Text("try by hand:", "grey").Text(" ").WithCommands("`openssl s_client -connect 127.0.0.1:11211`   or   `ncat -C --ssl 127.0.0.1 11211`");
        Assert.Equal(
        [
            "       try by hand:",
            "       openssl s_client -connect 127.0.0.1:11211   or",
            "       ncat -C --ssl 127.0.0.1 11211",
        ], line.Lines(60));

        var wide = new ConsoleLine(7).Text("try by hand:").Text(" ").WithCommands("`printf '/source 256M\\n' | nc 127.0.0.1 11211 | pv > /dev/null`");
        Assert.Equal(["       try by hand:", "       printf '/source 256M\\n' | nc 127.0.0.1 11211 | pv > /dev/null"], wide.Lines(40));
        Assert.Equal(["       try by hand: printf '/source 256M\\n' | nc 127.0.0.1 11211 | pv > /dev/null"], wide.Lines(200));
    }

    [Fact]
    public void A_line_wraps_under_its_indent_and_progress_under_json_goes_plain_to_stderr()
    {
        const string text = "  e.g. `nc 127.0.0.1 11211`, `curl http://127.0.0.1:11211/index/Adam`, `openssl s_client -connect 127.0.0.1:11211`";
        var (io, output, error) = Console(width: 40);
        io.Progress(text, json: false);
        Assert.Equal(
        [
            "  e.g. nc 127.0.0.1 11211,",
            "    curl http://127.0.0.1:11211/index/Adam,",
            "    openssl s_client -connect 127.0.0.1:11211",
        ], output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Empty(error.ToString());

        // With --json stdout is the one document: the same words on stderr, plain, on one line.
        (io, output, error) = Console(width: 40);
        io.Progress(text, json: true);
        Assert.Empty(output.ToString());
        Assert.Equal(text.Replace("`", "", StringComparison.Ordinal) + "\n", error.ToString());
    }

    [Fact]
    public void Status_keeps_its_command_whole_on_a_narrow_console()
    {
        var now = new DateTime(2026, 11, 24, 12, 0, 0, DateTimeKind.Utc);
        var (io, output, _) = Console(width: 36);
        StatusCommand.Render(io, [new LabInstance("us-east-1", "i-0abc", "running", "t3.micro", now.AddHours(-1), "203.0.113.7", 8)], json: false, now);
        var lines = output.ToString().Split('\n').SkipWhile(l => !l.StartsWith("1 lab host(s)", StringComparison.Ordinal)).ToList();
        // Wrapped at column 0 as Spectre would, "netlab" would end the second line and "down" start the third.
        Assert.Equal(["1 lab host(s), 1 running; compute so", "  far $0.01. Stop paying:", "  netlab down", ""], lines);
    }

    private static (CliIO IO, StringWriter Out, StringWriter Error) Console(int width)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        return (new CliIO(output, error, isTerminal: false, width: width), output, error);
    }

    [Fact]
    public void NO_COLOR_counts_when_it_has_a_value_and_a_dumb_terminal_counts_too()
    {
        Assert.True(CliIO.NoColor("1", "xterm-256color"));
        Assert.True(CliIO.NoColor("no", "xterm"));
        Assert.False(CliIO.NoColor("", "xterm")); // no-color.org: present and not empty
        Assert.False(CliIO.NoColor(null, "xterm"));
        Assert.True(CliIO.NoColor(null, "dumb"));
    }

    private static IEnumerable<string> Backticked(string text) => text.Split('`').Where((_, i) => i % 2 == 1);
}
