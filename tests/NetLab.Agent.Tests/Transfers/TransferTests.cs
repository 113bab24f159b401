using System.Security.Cryptography;
using NetLab.Testing;

namespace NetLab.Agent.Tests.Transfers;

/// <summary>The tutorial's file transfer with ncat, and uploads with curl -T.</summary>
public sealed class TransferTests(AgentFixture fixture) : IClassFixture<AgentFixture>, IDisposable
{
    private readonly ScratchDir _scratch = new();

    private TestAgent Agent => fixture.Agent;

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task Recv_then_ncat_send_only_stores_the_file_and_sha256_matches()
    {
        var (input, sha) = _scratch.RandomFile("inputfile", 3_000_000);
        await using var session = Tool.Start("nc", Agent.Address, Agent.Port.ToString());
        await session.WaitForOutputAsync("q to quit.");
        await session.WriteAsync("/recv outputfile\n");
        await session.WaitForOutputAsync("OK armed");

        var send = await Tool.ShellAsync($"ncat --send-only 127.0.0.1 {Agent.Port} < '{input}'");
        send.AssertExit(0);
        await session.WaitForOutputAsync("received outputfile: 3000000 bytes");
        Assert.Contains($"sha256 {sha}", session.Stdout);

        await session.WriteAsync("/sha256 outputfile\n");
        await session.WaitForOutputAsync($"{sha}  outputfile\r\n");
        Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(Agent.FilesDir, "outputfile")))));
    }

    [Fact]
    public async Task Send_then_ncat_with_its_stdin_closed_gets_the_stored_bytes()
    {
        var (input, sha) = _scratch.RandomFile("tosend", 500_000, seed: 2);
        var upload = await Curl.GetAsync($"{Agent.HttpUrl}/files/tosend", "-T", input);
        Assert.Equal(201, upload.Status);

        await using var session = Tool.Start("nc", Agent.Address, Agent.Port.ToString());
        await session.WaitForOutputAsync("q to quit.");
        await session.WriteAsync("/send tosend\n");
        await session.WaitForOutputAsync("OK armed");
        var output = Path.Combine(_scratch.Path, "received");
        // ncat half-closes at once when its stdin is empty: that is how the agent tells the receiver from a
        // classmate's interactive nc behind the same NAT (silent, its stdin still open).
        var recv = await Tool.ShellAsync($"ncat 127.0.0.1 {Agent.Port} < /dev/null > '{output}'");
        recv.AssertExit(0);
        Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(output))));
        await session.WaitForOutputAsync("sent tosend: 500000 bytes");
    }

    [Fact]
    public async Task Curl_T_upload_then_GET_returns_the_same_bytes()
    {
        var (input, sha) = _scratch.RandomFile("upload.bin", 2_500_000, seed: 3);
        var put = await Curl.GetAsync($"{Agent.HttpUrl}/files/", "-T", input);
        Assert.Equal(201, put.Status);
        Assert.Contains("stored upload.bin: 2500000 bytes", put.Body);

        var output = Path.Combine(_scratch.Path, "download.bin");
        var get = await Tool.RunAsync("curl", ["-sS", "-o", output, $"{Agent.HttpsUrl}/files/upload.bin", "-k"]);
        get.AssertExit(0);
        Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(output))));
    }

    [Theory]
    [InlineData("/recv ../x", "ERROR invalid file name '../x'")]
    [InlineData("/recv /etc/passwd", "ERROR invalid file name '/etc/passwd'")]
    [InlineData("/recv .hidden", "ERROR invalid file name '.hidden'")]
    [InlineData("/send nothing-here", "ERROR no file named 'nothing-here'")]
    [InlineData("/sha256 ../../etc/passwd", "ERROR invalid file name")]
    [InlineData("/cat nothing-here", "ERROR no file named 'nothing-here'")]
    [InlineData("/recv", "ERROR usage: /recv NAME [SIZE]")]
    public async Task Bad_file_names_and_missing_files_get_a_clear_error(string command, string error)
    {
        var nc = await Tool.RunAsync("nc", ["-q2", Agent.Address, Agent.Port.ToString()], System.Text.Encoding.ASCII.GetBytes(command + "\nq\n"));
        Assert.Contains(error, nc.Stdout);
        Assert.EndsWith("Bye!\r\n", nc.Stdout);
        Assert.False(File.Exists(Path.Combine(Agent.DataDir, "x")));
    }

    [Theory]
    [InlineData("a..b")]
    [InlineData(".hidden")]
    [InlineData("%2E%2E%2Fescape")]
    public async Task Bad_file_names_over_HTTP_are_400(string name)
    {
        var (input, _) = _scratch.RandomFile("small", 10);
        var put = await Curl.GetAsync($"{Agent.HttpUrl}/files/{name}", "-T", input);
        Assert.Equal(400, put.Status);
        Assert.Contains("invalid file name", put.Body);
    }
}
