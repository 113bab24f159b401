using NetLab.Agent.Storage;

namespace NetLab.Agent.Tests.Storage;

public class FileStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("netlab-store-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("outputfile", true)]
    [InlineData("report-2026_11.txt", true)]
    [InlineData("", false)]
    [InlineData("..", false)]
    [InlineData("../x", false)]
    [InlineData("a/b", false)]
    [InlineData("a\\b", false)]
    [InlineData(".bashrc", false)]
    [InlineData("a..b", false)]
    [InlineData("name with space", false)]
    [InlineData("naïve", false)]
    public void File_names_are_plain(string name, bool valid) => Assert.Equal(valid, FileNames.IsValid(name));

    [Fact]
    public void Names_longer_than_the_limit_are_refused()
    {
        Assert.True(FileNames.IsValid(new string('a', FileNames.MaxLength)));
        Assert.False(FileNames.IsValid(new string('a', FileNames.MaxLength + 1)));
    }

    [Fact]
    public async Task An_upload_is_invisible_until_committed_and_gone_if_abandoned()
    {
        var store = new FileStore(_dir, new AgentLimits());
        await using (var upload = store.BeginUpload("draft"))
        {
            await upload.WriteAsync(new byte[1000]);
            Assert.Empty(store.List());
            Assert.Equal(1000, store.UsedBytes);
        }

        Assert.Empty(store.List());
        Assert.Equal(0, store.UsedBytes);
        Assert.Empty(Directory.EnumerateFileSystemEntries(store.Directory));

        await using (var upload = store.BeginUpload("final"))
        {
            await upload.WriteAsync(new byte[10]);
            await upload.CommitAsync();
        }

        Assert.Equal("final", Assert.Single(store.List()).Name);
    }

    [Fact]
    public async Task Replacing_a_file_gives_back_its_quota()
    {
        var store = new FileStore(_dir, new AgentLimits { MaxStoredBytes = 1500 });
        for (var i = 0; i < 3; i++)
        {
            await using var upload = store.BeginUpload("same");
            await upload.WriteAsync(new byte[700]);
            await upload.CommitAsync();
        }

        Assert.Equal(700, store.UsedBytes);
    }

    [Fact]
    public async Task Quotas_refuse_with_the_right_error()
    {
        var store = new FileStore(_dir, new AgentLimits { MaxFileBytes = 100, MaxStoredBytes = 150 });
        Assert.Equal(StorageError.FileTooLarge, Assert.Throws<StorageException>(() => store.BeginUpload("x", 101)).Error);

        await using (var first = store.BeginUpload("first"))
        {
            await first.WriteAsync(new byte[100]);
            await first.CommitAsync();
        }

        await using var second = store.BeginUpload("second");
        var full = await Assert.ThrowsAsync<StorageException>(async () => await second.WriteAsync(new byte[60]));
        Assert.Equal(StorageError.StorageFull, full.Error);
    }

    [Fact]
    public async Task Files_deleted_by_hand_free_their_quota_before_anything_is_refused()
    {
        var store = new FileStore(_dir, new AgentLimits { MaxStoredBytes = 1000 });
        foreach (var name in new[] { "old1", "old2" })
        {
            await using var upload = store.BeginUpload(name);
            await upload.WriteAsync(new byte[400]);
            await upload.CommitAsync();
        }

        File.Delete(Path.Combine(store.Directory, "old1")); // an operator tidying up with rm
        File.Delete(Path.Combine(store.Directory, "old2"));

        await using (var sized = store.BeginUpload("sized", 900)) // checked up front against the total
        {
            await sized.WriteAsync(new byte[900]);
            await sized.CommitAsync();
        }

        File.Delete(Path.Combine(store.Directory, "sized"));
        await using (var streamed = store.BeginUpload("streamed")) // checked block by block
        {
            await streamed.WriteAsync(new byte[600]);
            await streamed.WriteAsync(new byte[300]);
            await streamed.CommitAsync();
        }

        Assert.Equal(900, store.UsedBytes);
        await using var over = store.BeginUpload("over");
        var full = await Assert.ThrowsAsync<StorageException>(async () => await over.WriteAsync(new byte[101]));
        Assert.Equal(StorageError.StorageFull, full.Error);
        Assert.Contains("(900 used)", full.Message);
    }

    [Fact]
    public async Task A_sized_upload_that_falls_short_is_incomplete_and_not_stored()
    {
        var store = new FileStore(_dir, new AgentLimits());
        await using (var upload = store.BeginUpload("sized", 10))
        {
            await upload.WriteAsync(new byte[4]);
            var e = await Assert.ThrowsAsync<StorageException>(upload.CommitAsync);
            Assert.Equal(StorageError.Incomplete, e.Error);
        }

        Assert.Empty(store.List());
    }

    [Fact]
    public void Leftovers_of_a_crashed_run_are_removed_at_start()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "files"));
        File.WriteAllBytes(Path.Combine(_dir, "files", ".big.0123.partial"), new byte[50]);
        var store = new FileStore(_dir, new AgentLimits());
        Assert.Empty(Directory.EnumerateFileSystemEntries(store.Directory));
        Assert.Equal(0, store.UsedBytes);
    }
}
