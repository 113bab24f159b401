using System.Text.Json;
using NetLab.Testing;

namespace NetLab.Agent.Tests.Storage;

/// <summary>A file belongs to the address that stored it; quotas and the file count hold per address; files expire.</summary>
[Trait("Loop", "Slow")] // needs root and network namespaces (TestInternet)
public sealed class FileOwnershipTests : IDisposable
{
    private readonly ScratchDir _scratch = new();
    private readonly string _dataDir = Directory.CreateTempSubdirectory("netlab-owners-").FullName;

    public void Dispose()
    {
        _scratch.Dispose();
        Directory.Delete(_dataDir, recursive: true);
    }

    [Fact]
    public async Task B_cannot_list_read_overwrite_or_delete_A_s_files_and_quotas_hold_per_address()
    {
        using var net = new TestInternet(clientAddresses: 3);
        await net.StartAgentAsync(_dataDir, "--max-storage-per-address", "64K", "--max-files-per-address", "3");
        var (a, b) = (net.ClientAddresses[0], net.ClientAddresses[1]);
        var (secret, _) = _scratch.RandomFile("secret.bin", 5000, seed: 7);
        var (other, _) = _scratch.RandomFile("other.bin", 300, seed: 8);

        Assert.Equal(201, (await Curl.FromAsync(net, a, "/files/secret.bin", "-T", secret)).Status);
        Assert.Equal("[]", (await Curl.FromAsync(net, b, "/files")).Body);
        Assert.Equal(404, (await Curl.FromAsync(net, b, "/files/secret.bin")).Status);
        Assert.Equal(404, (await Curl.FromAsync(net, b, "/files/secret.bin", "-X", "DELETE")).Status);
        Assert.Equal(201, (await Curl.FromAsync(net, b, "/files/secret.bin", "-T", other)).Status); // B's own file of that name
        Assert.Equal(await File.ReadAllBytesAsync(secret), (await Curl.FromAsync(net, a, "/files/secret.bin")).BodyBytes); // A's is untouched
        Assert.Equal(await File.ReadAllBytesAsync(other), (await Curl.FromAsync(net, b, "/files/secret.bin")).BodyBytes);

        var session = await net.RunClientAsync("nc", ["-s", b, "-q2", net.HostAddress, $"{TestInternet.Port}"], "/files\n/rm nothing\n/sha256 secret.bin\nq\n"u8.ToArray());
        Assert.Contains("secret.bin\t300\t", session.Stdout);
        Assert.DoesNotContain("\t5000\t", session.Stdout);
        Assert.Contains("ERROR no file named 'nothing'", session.Stdout);

        // A: three files at most, and 64 KiB (every file counts at least 4 KiB).
        Assert.Equal(201, (await Curl.FromAsync(net, a, "/files/two", "-T", other)).Status);
        Assert.Equal(201, (await Curl.FromAsync(net, a, "/files/three", "-T", other)).Status);
        var fourth = await Curl.FromAsync(net, a, "/files/four", "-T", other);
        Assert.Equal(507, fourth.Status);
        Assert.Contains("too many files: your address may keep 3", fourth.Body);
        var (big, _) = _scratch.RandomFile("big.bin", 60_000, seed: 9);
        var tooBig = await Curl.FromAsync(net, a, "/files/three", "-T", big);
        Assert.Equal(507, tooBig.Status);
        Assert.Contains("storage full for your address", tooBig.Body);
        Assert.Equal(201, (await Curl.FromAsync(net, b, "/files/big.bin", "-T", big)).Status); // B still has its share

        // A deletes its own, with DELETE and with /rm.
        Assert.Equal(200, (await Curl.FromAsync(net, a, "/files/two", "-X", "DELETE")).Status);
        var rm = await net.RunClientAsync("nc", ["-s", a, "-q2", net.HostAddress, $"{TestInternet.Port}"], "/rm three\nq\n"u8.ToArray());
        Assert.Contains("OK deleted three", rm.Stdout);
        var left = JsonDocument.Parse((await Curl.FromAsync(net, a, "/files")).Body).RootElement;
        Assert.Equal(["secret.bin"], left.EnumerateArray().Select(f => f.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Stored_files_expire_after_the_file_lifetime()
    {
        using var net = new TestInternet(clientAddresses: 1);
        await net.StartAgentAsync(_dataDir, "--file-lifetime", "3s");
        var (file, _) = _scratch.RandomFile("short-lived", 1000);
        var a = net.ClientAddresses[0];
        Assert.Equal(201, (await Curl.FromAsync(net, a, "/files/short-lived", "-T", file)).Status);
        Assert.Equal(200, (await Curl.FromAsync(net, a, "/files/short-lived")).Status);
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Equal(404, (await Curl.FromAsync(net, a, "/files/short-lived")).Status);
        Assert.Equal("[]", (await Curl.FromAsync(net, a, "/files")).Body);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_dataDir, "files"), "*", SearchOption.AllDirectories));
    }
}
