using NetLab.Testing;

namespace NetLab.Agent.Tests.Storage;

/// <summary>Storage quotas and transfers cut off midway: a clear error, and never a file that looks complete.</summary>
public sealed class QuotaAndCutOffTests : IAsyncLifetime, IDisposable
{
    private readonly ScratchDir _scratch = new();
    private TestAgent _agent = null!;

    public async Task InitializeAsync() =>
        _agent = await TestAgent.StartAsync(l => l with { MaxFileBytes = 1 << 20, MaxStoredBytes = 3 << 20 });

    public async Task DisposeAsync() => await _agent.DisposeAsync();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task An_upload_over_the_per_file_quota_is_413_and_leaves_nothing()
    {
        var (input, _) = _scratch.RandomFile("big", 2 << 20);
        var put = await Curl.GetAsync($"{_agent.HttpUrl}/files/big", "-T", input);
        Assert.Equal(413, put.Status);
        Assert.Contains("over the per-file limit of 1048576 bytes", put.Body);
        AssertNoTraceOf("big");
    }

    [Fact]
    public async Task Uploads_past_the_total_quota_are_507_and_the_stored_ones_stay()
    {
        var (input, _) = _scratch.RandomFile("part", 900_000);
        var statuses = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await Curl.GetAsync($"{_agent.HttpUrl}/files/part{i}", "-T", input)).Status);
        }

        Assert.Equal([201, 201, 201, 507], statuses);
        AssertNoTraceOf("part3");
        Assert.Equal(900_000, new FileInfo(Path.Combine(_agent.FilesDir, "part2")).Length);
    }

    [Fact]
    public async Task A_raw_recv_over_the_quota_is_refused_in_the_session_and_leaves_nothing()
    {
        var (input, _) = _scratch.RandomFile("rawbig", 2 << 20);
        await using var session = Tool.Start("nc", _agent.Address, _agent.Port.ToString());
        await session.WaitForOutputAsync("q to quit.");
        await session.WriteAsync("/recv rawbig\n");
        await session.WaitForOutputAsync("OK armed");
        await Tool.ShellAsync($"ncat --send-only 127.0.0.1 {_agent.Port} < '{input}'");
        await session.WaitForOutputAsync("ERROR rawbig: file too large");
        AssertNoTraceOf("rawbig");
    }

    [Fact]
    public async Task A_curl_upload_killed_midway_leaves_no_file()
    {
        var (input, _) = _scratch.RandomFile("slow", 900_000);
        await using var curl = Tool.Start("curl", "-sS", "--limit-rate", "100K", "-T", input, $"{_agent.HttpUrl}/files/slow");
        await Eventually.UntilAsync(() => Directory.EnumerateFiles(_agent.FilesDir, ".slow.*").Any(), "the upload to start");
        curl.Kill();
        await Eventually.UntilAsync(() => !Directory.EnumerateFiles(_agent.FilesDir, ".slow.*").Any(), "the partial upload to be removed");
        AssertNoTraceOf("slow");

        var get = await Curl.GetAsync($"{_agent.HttpUrl}/files/slow");
        Assert.Equal(404, get.Status);
    }

    [Fact]
    public async Task A_sized_recv_whose_sender_is_killed_midway_stores_nothing_and_says_so()
    {
        await using var session = Tool.Start("nc", _agent.Address, _agent.Port.ToString());
        await session.WaitForOutputAsync("q to quit.");
        await session.WriteAsync("/recv sized 500000\n");
        await session.WaitForOutputAsync("(exactly 500000 bytes)");

        await using var sender = Tool.Start("ncat", "--send-only", _agent.Address, _agent.Port.ToString());
        await sender.WriteAsync(new byte[100_000]);
        await Eventually.UntilAsync(() => Directory.EnumerateFiles(_agent.FilesDir, ".sized.*").Any(f => new FileInfo(f).Length > 0), "bytes to arrive");
        sender.Kill();

        await session.WaitForOutputAsync("ERROR sized: transfer incomplete: 100000 of 500000 bytes arrived; nothing was stored");
        AssertNoTraceOf("sized");
    }

    private void AssertNoTraceOf(string name)
    {
        Assert.False(File.Exists(Path.Combine(_agent.FilesDir, name)), $"{name} exists");
        Assert.Empty(Directory.EnumerateFiles(_agent.FilesDir, $".{name}.*"));
    }
}
