using NetLab.Testing;

namespace NetLab.Cli.Tests.Packaging;

/// <summary>
/// scripts/publish.sh, as it makes the binaries for students without the .NET SDK: here the two macOS builds (which
/// no test can run on Linux), checked as Mach-O executables of their own architecture, with sums that verify.
/// </summary>
[Collection(Alone.Name)] // two self-contained publishes each: heavy on two cores
[Trait("Loop", "Slow")] // dotnet publish for several platforms
public sealed class PublishScriptTests : IDisposable
{
    private readonly string _out = Directory.CreateTempSubdirectory("netlab-dist-").FullName;

    public void Dispose() => Directory.Delete(_out, recursive: true);

    [Fact]
    public async Task It_makes_single_file_macOS_binaries_for_arm64_and_x64_with_their_sums()
    {
        var publish = await Tool.RunAsync(Path.Combine(Repository.Root, "scripts", "publish.sh"), ["--out", _out, "osx-arm64", "osx-x64"], timeoutSeconds: 1200);
        publish.AssertExit(0);

        // Mach-O 64-bit (0xfeedfacf, little-endian), CPU type arm64 (0x0100000c) or x86-64 (0x01000007).
        foreach (var (rid, cpu) in new[] { ("osx-arm64", 0x0100000c), ("osx-x64", 0x01000007) })
        {
            Assert.Equal(["netlab", "netlab-agent"], Directory.GetFiles(Path.Combine(_out, rid)).Select(Path.GetFileName).Order());
            foreach (var file in Directory.GetFiles(Path.Combine(_out, rid)))
            {
                var head = new byte[8];
                await using (var stream = File.OpenRead(file))
                {
                    await stream.ReadExactlyAsync(head);
                }

                Assert.Equal(0xfeedfacf, BitConverter.ToUInt32(head, 0));
                Assert.Equal(cpu, BitConverter.ToInt32(head, 4));
                Assert.True(new FileInfo(file).Length > 10_000_000, $"{file} is not self-contained ({new FileInfo(file).Length} bytes)");
            }
        }

        var sums = await Tool.ShellAsync($"cd '{_out}' && sha256sum -c SHA256SUMS");
        sums.AssertExit(0);
        Assert.Equal(4, sums.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.EndsWith(": OK", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task An_unknown_runtime_is_one_line_and_exit_2()
    {
        var run = await Tool.RunAsync(Path.Combine(Repository.Root, "scripts", "publish.sh"), ["--out", _out, "amiga-68k"]);
        run.AssertExit(2);
        Assert.Contains("unknown runtime or option 'amiga-68k'", run.Stderr);
    }
}
