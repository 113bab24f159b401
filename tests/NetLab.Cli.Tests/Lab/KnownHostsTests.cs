using System.Text.RegularExpressions;
using NetLab.Testing;
using NetLab.Cli.Lab;
using NetLab.Cli.Tests.Support;

namespace NetLab.Cli.Tests.Lab;

/// <summary>
/// The pin file under many writers: the HTTPS exercise's seven TLS connections at once, and several netlab
/// processes. No pin is lost, a pin another writer made is checked rather than overwritten, and a reader never
/// sees half a file.
/// </summary>
public sealed partial class KnownHostsTests : IDisposable
{
    private readonly ScratchDir _dir = new();

    private string PinFile => Path.Combine(_dir.Path, "known_hosts");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Sixty_four_first_pins_at_once_in_one_process_all_land()
    {
        var pins = KnownHosts.Load(PinFile);
        var verdicts = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(() => pins.Check(Endpoint(i), Fingerprint(i), trustNew: false))));
        Assert.All(verdicts, v => Assert.Equal(PinVerdict.PinnedNow, v));
        AssertWhole(File.ReadAllLines(PinFile), expectedPins: 64);
        var reread = KnownHosts.Load(PinFile);
        Assert.All(Enumerable.Range(0, 64), i => Assert.Equal(Fingerprint(i), reread.Pinned(Endpoint(i))));
    }

    [Fact]
    public async Task Eight_writers_of_their_own_lose_no_pin_and_a_reader_never_sees_half_a_file()
    {
        // Eight KnownHosts, each as a process of its own would load it, pinning at once while a reader reads.
        using var done = new CancellationTokenSource();
        var reads = 0;
        var reader = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                if (File.Exists(PinFile))
                {
                    AssertWhole(await File.ReadAllLinesAsync(PinFile), expectedPins: null);
                    reads++;
                }

                await Task.Yield();
            }
        });
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(() =>
        {
            var pins = KnownHosts.Load(PinFile);
            for (var i = 0; i < 20; i++)
            {
                Assert.Equal(PinVerdict.PinnedNow, pins.Check(Endpoint((w * 20) + i), Fingerprint((w * 20) + i), trustNew: false));
            }
        }));
        await Task.WhenAll(writers);
        await done.CancelAsync();
        await reader;

        Assert.True(reads > 0, "the reader never read the file");
        AssertWhole(File.ReadAllLines(PinFile), expectedPins: 160);
        Assert.Empty(Directory.GetFiles(_dir.Path, "*.tmp"));
    }

    [Fact]
    public void A_pin_another_process_made_meanwhile_is_checked_not_overwritten()
    {
        var first = KnownHosts.Load(PinFile);
        var second = KnownHosts.Load(PinFile); // loaded before the first pinned anything
        Assert.Equal(PinVerdict.PinnedNow, first.Check("203.0.113.7:11211", Fingerprint(1), trustNew: false));
        Assert.Equal(PinVerdict.Changed, second.Check("203.0.113.7:11211", Fingerprint(2), trustNew: false));
        Assert.Equal(PinVerdict.Matches, second.Check("203.0.113.7:11211", Fingerprint(1), trustNew: false));
        Assert.Equal(Fingerprint(1), KnownHosts.Load(PinFile).Pinned("203.0.113.7:11211"));

        // --trust-new-cert re-pins on purpose, and that is written.
        Assert.Equal(PinVerdict.PinnedNow, second.Check("203.0.113.7:11211", Fingerprint(2), trustNew: true));
        Assert.Equal(Fingerprint(2), KnownHosts.Load(PinFile).Pinned("203.0.113.7:11211"));
    }

    [Fact]
    public async Task Four_netlab_processes_pinning_one_agent_at_once_all_pass_and_agree()
    {
        await using var agent = await TestAgent.StartAsync();
        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            await using var netlab = Netlab.Start("connect", "127.0.0.1", "--port", agent.Port.ToString(), "--only", "tls,https", "--known-hosts", PinFile);
            netlab.CloseStdin();
            await netlab.WaitForExitAsync(120);
            return (netlab.ExitCode, netlab.Stdout, netlab.Stderr);
        }));
        Assert.All(runs, r => Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}:\n{r.Stdout}\n{r.Stderr}"));
        var lines = File.ReadAllLines(PinFile);
        AssertWhole(lines, expectedPins: 1);
        Assert.Contains($"127.0.0.1:{agent.Port} {agent.Host.Fingerprint}", lines);
    }

    private static string Endpoint(int i) => $"198.51.100.{i % 250}:{11211 + i}";

    private static string Fingerprint(int i) => string.Join(':', Enumerable.Range(0, 32).Select(b => ((b + i) & 0xff).ToString("X2")));

    /// <summary>Every line the header or one whole pin; with <paramref name="expectedPins"/>, exactly that many.</summary>
    private static void AssertWhole(string[] lines, int? expectedPins)
    {
        Assert.NotEmpty(lines);
        Assert.StartsWith("# netlab known hosts", lines[0]);
        foreach (var line in lines.Skip(1))
        {
            Assert.Matches(PinLine(), line);
        }

        if (expectedPins is { } n)
        {
            Assert.Equal(n, lines.Length - 1);
        }
    }

    [GeneratedRegex(@"^[0-9.]+:\d+ ([0-9A-F]{2}:){31}[0-9A-F]{2}$")]
    private static partial Regex PinLine();
}
