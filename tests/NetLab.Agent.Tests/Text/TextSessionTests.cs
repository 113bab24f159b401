using NetLab.Testing;

namespace NetLab.Agent.Tests.Text;

/// <summary>The text session as nc, telnet and ncat users meet it.</summary>
public class TextSessionTests(AgentFixture fixture) : IClassFixture<AgentFixture>
{
    private TestAgent Agent => fixture.Agent;

    [Fact]
    public async Task Nc_gets_the_banner_What_for_every_line_and_q_closes()
    {
        await using var nc = Tool.Start("nc", Agent.Address, Agent.Port.ToString());
        await nc.WaitForOutputAsync("Successfully Connected");
        await nc.WriteAsync("hello\nhow are you?\n");
        await nc.WaitForOutputAsync("What?\r\nWhat?\r\n");
        await nc.WriteAsync("q\n");
        await nc.WaitForOutputAsync("Bye!\r\n");
        nc.CloseStdin();
        await nc.WaitForExitAsync(10);
        var lines = nc.Stdout.Split("\r\n");
        Assert.Equal("Successfully Connected", lines[0]);
        Assert.Contains("type /help", lines[1], StringComparison.OrdinalIgnoreCase);
        Assert.Contains("you are 127.0.0.1:", lines[1]);
        Assert.Equal(["What?", "What?", "Bye!", ""], lines[2..]);
    }

    [Fact]
    public async Task Q_closes_the_connection_from_the_agent_side()
    {
        // The client never half-closes: reaching EOF proves the agent closed the connection on q.
        await using var client = await RawClient.ConnectAsync(Agent.Port);
        await client.ReadUntilAsync("q to quit.\r\n");
        await client.SendAsync("q\n");
        Assert.EndsWith("Bye!\r\n", await client.ReadToEndAsync());
    }

    [Fact]
    public async Task Telnet_gets_the_banner_and_q_closes_it()
    {
        await using var telnet = Tool.Start("telnet", Agent.Address, Agent.Port.ToString());
        await telnet.WaitForOutputAsync("Successfully Connected");
        await telnet.WriteAsync("silly question\n");
        await telnet.WaitForOutputAsync("What?");
        await telnet.WriteAsync("q\n");
        await telnet.WaitForOutputAsync("Bye!");
        await telnet.WaitForExitAsync(10);
        Assert.Contains("Connection closed by foreign host.", telnet.Stderr);
    }

    [Fact]
    public async Task Slash_commands_answer_and_unknown_ones_get_a_one_line_error()
    {
        var nc = await Tool.RunAsync("nc", ["-q2", Agent.Address, Agent.Port.ToString()],
            "/whoami\n/time\n/help\n/bogus\n/files\nq\n"u8.ToArray());
        var output = nc.Stdout;
        Assert.Matches(@"you are 127\.0\.0\.1:\d+ as the agent sees you", output);
        Assert.Matches(@"\r\n20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\r\n", output);
        Assert.Contains("/discard", output);
        Assert.Contains("ERROR unknown command /bogus; type /help for the list\r\n", output);
        Assert.EndsWith("Bye!\r\n", output);
    }

    [Fact]
    public async Task Echo_mode_returns_lines_verbatim_until_echo_again()
    {
        var nc = await Tool.RunAsync("nc", ["-q2", Agent.Address, Agent.Port.ToString()],
            "/echo\nping 1\n  spaced  out  \n/echo\nping 2\nq\n"u8.ToArray());
        Assert.Contains("OK echo mode", nc.Stdout);
        Assert.Contains("\r\nping 1\r\n  spaced  out  \r\nOK echo mode off\r\nWhat?\r\nBye!\r\n", nc.Stdout);
    }

    [Fact]
    public async Task Lines_end_in_LF_or_CRLF_and_replies_in_CRLF()
    {
        await using var client = await RawClient.ConnectAsync(Agent.Port);
        await client.SendAsync("one\r\ntwo\nq\r\n");
        var all = await client.ReadToEndAsync();
        Assert.EndsWith("What?\r\nWhat?\r\nBye!\r\n", all);
    }

    [Fact]
    public async Task Two_clients_in_a_room_see_each_others_lines()
    {
        await using var alice = Tool.Start("nc", Agent.Address, Agent.Port.ToString());
        await using var bob = Tool.Start("ncat", Agent.Address, Agent.Port.ToString());
        await alice.WaitForOutputAsync("Successfully Connected");
        await bob.WaitForOutputAsync("Successfully Connected");

        await alice.WriteAsync("/join lab\n");
        await alice.WaitForOutputAsync("OK joined lab: 1 here");
        await bob.WriteAsync("/join lab\n");
        await bob.WaitForOutputAsync("OK joined lab: 2 here");
        await alice.WaitForOutputAsync("joined lab");

        await alice.WriteAsync("hello from alice\n");
        await bob.WaitForOutputAsync("> hello from alice\r\n");
        await bob.WriteAsync("hi alice\n");
        await alice.WaitForOutputAsync("> hi alice\r\n");

        // Chat lines are relayed, not answered with What?.
        Assert.DoesNotContain("What?", alice.Stdout);
        Assert.DoesNotContain("hello from alice", alice.Stdout.Split("OK joined")[1].Replace("> hello from alice", ""));
    }

    [Fact]
    public async Task Source_sends_exactly_N_bytes_then_closes()
    {
        var nc = await Tool.RunAsync("nc", [Agent.Address, Agent.Port.ToString()], "/source 1M\n"u8.ToArray());
        var bytes = nc.StdoutBytes;
        var banner = System.Text.Encoding.UTF8.GetByteCount(nc.Stdout.Split("Type /help for commands, q to quit.\r\n")[0] + "Type /help for commands, q to quit.\r\n");
        Assert.Equal(1 << 20, bytes.Length - banner);
    }

    [Fact]
    public async Task Discard_reports_bytes_time_and_rate_after_EOF()
    {
        var payload = new byte[5_000_000];
        var input = "/discard\n"u8.ToArray().Concat(payload).ToArray();

        // ncat half-closes on stdin EOF and keeps reading: the report arrives after the upload.
        var ncat = await Tool.RunAsync("ncat", [Agent.Address, Agent.Port.ToString()], input);
        Assert.Matches(@"discarded 5000000 bytes in \d+\.\d{3} s: \d+\.\d MB/s", ncat.Stdout);
    }
}
