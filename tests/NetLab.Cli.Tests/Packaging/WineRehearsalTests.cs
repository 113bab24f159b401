using System.Security.Cryptography;
using System.Text;
using NetLab.Testing;

namespace NetLab.Cli.Tests.Packaging;

/// <summary>
/// The Windows build as a student runs it, rehearsed under Wine (Debian's wine64, which ./test.sh installs): netlab
/// published for win-x64, self-contained, against a Linux agent on 127.0.0.1. Wine gets a prefix of its own in the
/// run's temp folder, removed afterwards. Nothing is tolerated: no crash signature, no stray output.
/// </summary>
public sealed class WineFixture : IAsyncLifetime
{
    private const string Wine = "/usr/lib/wine/wine64";

    public string Root { get; } = Directory.CreateTempSubdirectory("netlab-wine-").FullName;

    public string Exe => Path.Combine(Root, "publish", "netlab.exe");

    public TestAgent Agent { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(Wine))
        {
            throw new InvalidOperationException($"{Wine} is not installed, and this test runs the Windows build under Wine. Run ./test.sh, which installs Debian's wine64, or apt-get install wine64.");
        }

        var publish = await Tool.RunAsync("dotnet",
            ["publish", Path.Combine(Repository.Root, "cli", "NetLab.Cli"), "-c", "Release", "-r", "win-x64", "--self-contained", "-o", Path.Combine(Root, "publish"), "--nologo", "-v", "q"],
            timeoutSeconds: 600);
        publish.AssertExit(0);
        Agent = await TestAgent.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Agent.DisposeAsync();
        Tool.Run("/usr/lib/wine/wineserver", ["-k"], environment: new Dictionary<string, string> { ["WINEPREFIX"] = Prefix });

        Directory.Delete(Root, recursive: true);
    }

    public string Prefix => Path.Combine(Root, "prefix");

    /// <summary>Runs netlab.exe under Wine with <paramref name="stdin"/>; its exit code and what it printed.</summary>
    public async Task<Tool> RunAsync(string[] args, byte[]? stdin = null, int timeoutSeconds = 180)
    {
        var tool = Tool.Start("env", ["WINEDEBUG=-all", $"WINEPREFIX={Prefix}", "NO_COLOR=1", Wine, Exe, .. args]);
        if (stdin is not null)
        {
            await tool.WriteAsync(stdin);
        }

        tool.CloseStdin();
        await tool.WaitForExitAsync(timeoutSeconds);
        return tool;
    }

    /// <summary>A path under the prefix's Z: drive (Wine maps / there), as a Windows program names it.</summary>
    public static string WindowsPath(string unixPath) => "Z:" + unixPath.Replace('/', '\\');
}

[Collection(Alone.Name)] // Wine's first start makes its prefix; its processes are many: beside the suite they crowd two cores
[Trait("Loop", "Slow")] // an emulator: netlab.exe under Wine, after a win-x64 publish
public class WineRehearsalTests(WineFixture wine) : IClassFixture<WineFixture>
{
    private TestAgent Agent => wine.Agent;

    [Fact]
    public async Task Connect_passes_13_of_13_three_runs_in_a_row()
    {
        var pins = WineFixture.WindowsPath(Path.Combine(wine.Root, "connect_known_hosts"));
        for (var run = 1; run <= 3; run++)
        {
            var netlab = await wine.RunAsync(["connect", "127.0.0.1", "--port", Agent.Port.ToString(), "--known-hosts", pins]);
            Assert.True(netlab.ExitCode == 0 && netlab.Stdout.Contains("13 passed, 0 failed", StringComparison.Ordinal),
                $"run {run}: exit {netlab.ExitCode}\n{netlab.Stdout}\n{netlab.Stderr}");
            Assert.DoesNotContain("Fatal error", netlab.Stdout + netlab.Stderr);
            Assert.True(!netlab.Stdout.Contains("the socket is", StringComparison.Ordinal) || netlab.Stdout.Contains("on Windows, loopback TCP", StringComparison.Ordinal), netlab.Stdout);
            Assert.DoesNotContain("on Linux", netlab.Stdout);
            Assert.Contains("ipconfig /all", netlab.Stdout);
            Assert.DoesNotContain("TLS_NULL_WITH_NULL_NULL", netlab.Stdout);
            Assert.Contains("…", netlab.Stdout); // UTF-8 out, not the OEM code page's '?'
        }
    }

    [Fact]
    public async Task Nc_talks_to_the_text_session_and_sends_a_file_with_send_only()
    {
        var text = await wine.RunAsync(["nc", "127.0.0.1", Agent.Port.ToString()], Encoding.ASCII.GetBytes("hello\nq\n"));
        text.AssertExit(0);
        Assert.Contains("Successfully Connected", text.Stdout);
        Assert.Contains("What?", text.Stdout);

        // /recv arms the agent; netlab nc --send-only sends the file; the agent's SHA-256 matches.
        var name = $"wine-{Guid.NewGuid():N}";
        var bytes = RandomNumberGenerator.GetBytes(200_000);
        await using var session = await RawClient.ConnectAsync(Agent.Port);
        await session.SendAsync($"/recv {name}\n");
        await session.ReadUntilAsync("OK armed");
        var send = await wine.RunAsync(["nc", "--send-only", "127.0.0.1", Agent.Port.ToString()], bytes);
        send.AssertExit(0);
        await Eventually.UntilAsync(() => File.Exists(Path.Combine(Agent.FilesDir, name)) && new FileInfo(Path.Combine(Agent.FilesDir, name)).Length == bytes.Length, $"{name} stored by the agent", TimeSpan.FromSeconds(30));
        Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(Agent.FilesDir, name))));
    }

    [Fact]
    public async Task Http_tls_info_and_ports_work_and_the_pin_is_written_then_matched()
    {
        var http = await wine.RunAsync(["http", $"{Agent.HttpUrl}/index/Adam"]);
        http.AssertExit(0);
        Assert.Contains("Hello, Adam!", http.Stdout);

        var pins = Path.Combine(wine.Root, "tls_known_hosts");
        var first = await wine.RunAsync(["tls", $"127.0.0.1:{Agent.Port}", "--known-hosts", WineFixture.WindowsPath(pins)]);
        first.AssertExit(0);
        Assert.Contains("pinned now", first.Stdout);
        Assert.Contains($"127.0.0.1:{Agent.Port} {Agent.Host.Fingerprint}", await File.ReadAllTextAsync(pins));
        var second = await wine.RunAsync(["tls", $"127.0.0.1:{Agent.Port}", "--known-hosts", WineFixture.WindowsPath(pins)]);
        second.AssertExit(0);
        Assert.Contains("matches", second.Stdout);

        var info = await wine.RunAsync(["info"]);
        info.AssertExit(0);
        Assert.Contains("127.0.0.1", info.Stdout);

        var ports = await wine.RunAsync(["ports", "127.0.0.1", "--ports", $"{Agent.Port},1"]);
        Assert.Contains($"{Agent.Port}", ports.Stdout);
        Assert.Contains("open", ports.Stdout);
    }

    [Fact]
    public async Task A_usage_error_is_one_line_and_exit_2()
    {
        var wrong = await wine.RunAsync(["nc", "127.0.0.1", "http"]);
        wrong.AssertExit(2);
        Assert.Contains("'http' is not a port", wrong.Stderr);
        Assert.DoesNotContain("   at ", wrong.Stderr + wrong.Stdout);
        Assert.True(wrong.Stderr.Trim().Split('\n').Length <= 2, wrong.Stderr); // the mistake, and where to look
    }
}

/// <summary>Tests that crowd the machine (Wine, a browser) run alone, after the others, as the agent tests' classroom does.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Alone
{
    public const string Name = "alone: Wine or a browser";
}
