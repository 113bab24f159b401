using System.Net;
using Microsoft.Extensions.Time.Testing;
using NetLab.Agent.Storage;

namespace NetLab.Agent.Tests.Storage;

public sealed class FileStoreTests : IDisposable
{
    private const long Block = FileStore.Block;
    private static readonly IPAddress A = IPAddress.Parse("198.18.0.10");
    private static readonly IPAddress B = IPAddress.Parse("198.18.0.11");
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
        using var store = new FileStore(_dir, new AgentLimits());
        await using (var upload = store.BeginUpload(A, "draft"))
        {
            await upload.WriteAsync(new byte[1000]);
            Assert.Empty(store.List(A));
            Assert.Equal(Block, store.UsedBytes); // a 1000-byte file costs one block
        }

        Assert.Empty(store.List(A));
        Assert.Equal(0, store.UsedBytes);
        Assert.Empty(Directory.EnumerateFiles(store.Directory, "*", SearchOption.AllDirectories));

        await using (var upload = store.BeginUpload(A, "final"))
        {
            await upload.WriteAsync(new byte[10]);
            await upload.CommitAsync();
        }

        Assert.Equal("final", Assert.Single(store.List(A)).Name);
        Assert.Equal(1, store.FileCount);
    }

    [Fact]
    public async Task Replacing_a_file_gives_back_its_quota()
    {
        // Room for the old file and its replacement while the replacement arrives, not for a second file.
        using var store = new FileStore(_dir, new AgentLimits { MaxStoredBytes = 4 * Block });
        for (var i = 0; i < 3; i++)
        {
            await StoreAsync(store, A, "same", (int)(2 * Block) - 100);
        }

        Assert.Equal(2 * Block, store.UsedBytes);
        Assert.Equal(1, store.FileCount);
    }

    [Fact]
    public async Task Quotas_refuse_with_the_right_error()
    {
        using var store = new FileStore(_dir, new AgentLimits { MaxFileBytes = 2 * Block, MaxStoredBytes = 3 * Block });
        Assert.Equal(StorageError.FileTooLarge, Assert.Throws<StorageException>(() => store.BeginUpload(A, "x", 2 * Block + 1)).Error);

        await StoreAsync(store, A, "first", (int)(2 * Block));
        await using var second = store.BeginUpload(A, "second");
        var full = await Assert.ThrowsAsync<StorageException>(async () => await second.WriteAsync(new byte[Block + 1]));
        Assert.Equal(StorageError.StorageFull, full.Error);
        Assert.Contains("exceed the agent's total", full.Message);
    }

    [Fact]
    public async Task Every_file_costs_a_block_and_the_number_of_files_is_capped()
    {
        using var store = new FileStore(_dir, new AgentLimits { MaxStoredBytesPerAddress = 100 * Block, MaxFilesPerAddress = 5, MaxFiles = 7 });
        for (var i = 0; i < 5; i++)
        {
            await StoreAsync(store, A, $"empty{i}", 0);
        }

        Assert.Equal(5 * Block, store.UsedBytes); // empty files are not free
        var mine = Assert.Throws<StorageException>(() => store.BeginUpload(A, "empty5"));
        Assert.Equal(StorageError.TooManyFiles, mine.Error);
        Assert.Contains("your address may keep 5", mine.Message);

        await StoreAsync(store, A, "empty0", 10); // replacing one is not a new file
        await StoreAsync(store, B, "b0", 0);
        await StoreAsync(store, B, "b1", 0);
        var all = Assert.Throws<StorageException>(() => store.BeginUpload(B, "b2"));
        Assert.Contains("at most 7 in all", all.Message);
    }

    [Fact]
    public async Task One_address_cannot_fill_the_store_for_everyone()
    {
        using var store = new FileStore(_dir, new AgentLimits { MaxStoredBytes = 10 * Block, MaxStoredBytesPerAddress = 4 * Block });
        await StoreAsync(store, A, "a1", (int)(3 * Block));
        await using (var more = store.BeginUpload(A, "a2"))
        {
            var full = await Assert.ThrowsAsync<StorageException>(async () => await more.WriteAsync(new byte[Block + 1]));
            Assert.Contains("storage full for your address", full.Message);
        }

        await StoreAsync(store, A, "a2", (int)Block);
        var refused = Assert.Throws<StorageException>(() => store.BeginUpload(A, "a3"));
        Assert.Equal(StorageError.StorageFull, refused.Error);
        Assert.Contains("its quota of", refused.Message);
        await StoreAsync(store, B, "b1", (int)(4 * Block)); // B still has its share
        Assert.Equal(8 * Block, store.UsedBytes);
    }

    [Fact]
    public async Task Files_belong_to_the_address_that_stored_them()
    {
        using var store = new FileStore(_dir, new AgentLimits());
        await StoreAsync(store, A, "mine", 100);
        Assert.Empty(store.List(B));
        Assert.Equal(StorageError.NotFound, Assert.Throws<StorageException>(() => store.OpenRead(B, "mine")).Error);
        Assert.Equal(StorageError.NotFound, Assert.Throws<StorageException>(() => store.Delete(B, "mine")).Error);

        await StoreAsync(store, B, "mine", 7); // B's own file of the same name
        Assert.Equal(100, store.Find(A, "mine").Length);
        Assert.Equal(7, store.Find(B, "mine").Length);

        store.Delete(A, "mine");
        Assert.Empty(store.List(A));
        Assert.Equal(7, Assert.Single(store.List(B)).Length);
        Assert.Equal(Block, store.UsedBytes);
    }

    [Fact]
    public async Task An_IPv4_mapped_address_owns_the_files_of_its_IPv4_address()
    {
        using var store = new FileStore(_dir, new AgentLimits());
        await StoreAsync(store, A.MapToIPv6(), "mapped", 5);
        Assert.Equal("mapped", Assert.Single(store.List(A)).Name);
    }

    [Fact]
    public async Task Stored_files_expire_after_the_file_lifetime()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var store = new FileStore(_dir, new AgentLimits { FileLifetime = TimeSpan.FromHours(24) }, time);
        await StoreAsync(store, A, "old", 100);
        await StoreAsync(store, A, "new", 100);
        File.SetLastWriteTimeUtc(Path.Combine(store.OwnerDirectory(A), "old"), time.GetUtcNow().UtcDateTime.AddHours(-23));
        Assert.Equal(0, store.ExpireOld());

        time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1)); // the store's own timer runs the sweep
        Assert.Equal("new", Assert.Single(store.List(A)).Name);
        Assert.False(File.Exists(Path.Combine(store.OwnerDirectory(A), "old")));
        Assert.Equal(Block, store.UsedBytes);
        Assert.Equal(StorageError.NotFound, Assert.Throws<StorageException>(() => store.OpenRead(A, "old")).Error);
    }

    [Fact]
    public async Task A_sweep_over_a_folder_that_is_gone_skips_the_round_and_the_next_one_still_expires()
    {
        // CI once lost a whole test process: the store's timer swept a lab's folder that `netlab lab` had just deleted.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var store = new FileStore(_dir, new AgentLimits { FileLifetime = TimeSpan.FromHours(24) }, time);
        Directory.Delete(store.Directory, recursive: true);
        time.Advance(TimeSpan.FromHours(3)); // the timer fires; an exception here would end the process, not fail the test

        Directory.CreateDirectory(store.Directory);
        await StoreAsync(store, A, "old", 100);
        File.SetLastWriteTimeUtc(Path.Combine(store.OwnerDirectory(A), "old"), time.GetUtcNow().UtcDateTime.AddHours(-25));
        time.Advance(TimeSpan.FromHours(3));
        Assert.Empty(store.List(A));
    }

    [Fact]
    public async Task A_disposed_store_sweeps_no_more()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = new FileStore(_dir, new AgentLimits { FileLifetime = TimeSpan.FromHours(24) }, time);
        await StoreAsync(store, A, "old", 100);
        var old = Path.Combine(store.OwnerDirectory(A), "old");
        File.SetLastWriteTimeUtc(old, time.GetUtcNow().UtcDateTime.AddHours(-25));
        store.Dispose();
        time.Advance(TimeSpan.FromHours(3));
        Assert.True(File.Exists(old));
    }

    [Fact]
    public async Task Files_deleted_by_hand_free_their_quota_before_anything_is_refused()
    {
        using var store = new FileStore(_dir, new AgentLimits { MaxStoredBytes = 10 * Block });
        foreach (var name in new[] { "old1", "old2" })
        {
            await StoreAsync(store, A, name, (int)(4 * Block));
        }

        File.Delete(Path.Combine(store.OwnerDirectory(A), "old1")); // an operator tidying up with rm
        File.Delete(Path.Combine(store.OwnerDirectory(A), "old2"));

        await using (var sized = store.BeginUpload(A, "sized", 9 * Block)) // checked up front against the total
        {
            await sized.WriteAsync(new byte[9 * Block]);
            await sized.CommitAsync();
        }

        File.Delete(Path.Combine(store.OwnerDirectory(A), "sized"));
        await using (var streamed = store.BeginUpload(A, "streamed")) // checked block by block
        {
            await streamed.WriteAsync(new byte[6 * Block]);
            await streamed.WriteAsync(new byte[3 * Block]);
            await streamed.CommitAsync();
        }

        Assert.Equal(9 * Block, store.UsedBytes);
        await using var over = store.BeginUpload(B, "over");
        var full = await Assert.ThrowsAsync<StorageException>(async () => await over.WriteAsync(new byte[Block + 1]));
        Assert.Equal(StorageError.StorageFull, full.Error);
        Assert.Contains($"({10 * Block} used)", full.Message);
    }

    [Fact]
    public async Task A_sized_upload_that_falls_short_is_incomplete_and_not_stored()
    {
        using var store = new FileStore(_dir, new AgentLimits());
        await using (var upload = store.BeginUpload(A, "sized", 10))
        {
            await upload.WriteAsync(new byte[4]);
            var e = await Assert.ThrowsAsync<StorageException>(upload.CommitAsync);
            Assert.Equal(StorageError.Incomplete, e.Error);
        }

        Assert.Empty(store.List(A));
        Assert.Equal(0, store.UsedBytes);
    }

    [Fact]
    public void Leftovers_of_a_crashed_run_are_removed_at_start()
    {
        var owner = Path.Combine(_dir, "files", "198.18.0.10");
        Directory.CreateDirectory(owner);
        File.WriteAllBytes(Path.Combine(owner, ".big.0123.partial"), new byte[50]);
        using var store = new FileStore(_dir, new AgentLimits());
        Assert.Empty(Directory.EnumerateFiles(store.Directory, "*", SearchOption.AllDirectories));
        Assert.Equal(0, store.UsedBytes);
    }

    [Fact]
    public void A_file_outside_every_owner_folder_is_neither_anyone_s_nor_counted()
    {
        // The layout of before 2026-12-02 kept files/NAME for everyone. Its files are past the 24-hour file lifetime
        // on every host, so they are not adopted: such a file belongs to no address and costs no quota.
        Directory.CreateDirectory(Path.Combine(_dir, "files"));
        File.WriteAllBytes(Path.Combine(_dir, "files", "outputfile"), new byte[50]);
        using var store = new FileStore(_dir, new AgentLimits());
        Assert.Throws<StorageException>(() => store.Find(IPAddress.Loopback, "outputfile"));
        Assert.Empty(store.List(IPAddress.Loopback));
        Assert.Equal(0, store.UsedBytes);
        Assert.Equal(0, store.FileCount);
    }

    private static async Task StoreAsync(FileStore store, IPAddress owner, string name, int length)
    {
        await using var upload = store.BeginUpload(owner, name);
        await upload.WriteAsync(new byte[length]);
        await upload.CommitAsync();
    }
}
