using System.Diagnostics;
using System.Text.Json;
using NetLab.Testing;

namespace NetLab.Infra.Tests.Boot;

/// <summary>
/// The lab host's boot, rehearsed: the synthesized template's install steps (AWS::CloudFormation::Init) applied
/// inside a Debian root booted with systemd (systemd-nspawn), with a stand-in IMDSv2, in a network namespace
/// of its own. Then what EC2 would show: the health gate passes, the agent runs under its real unit and
/// sandbox with CAP_NET_RAW and nothing more, <c>netlab connect</c> from outside passes, restarts keep the
/// certificate and new addresses re-name it, and the time-to-live timer powers the host off after idle, and not
/// before.
/// </summary>
[Trait("Loop", "Slow")] // a container: the lab host booted in a namespace
public sealed class BootRehearsalTests(RehearsalFixture fixture) : IClassFixture<RehearsalFixture>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("netlab-rehearsal-").FullName;

    public void Dispose() => Tool.Run("rm", ["-rf", "--one-file-system", _work]);

    [Fact]
    public async Task The_install_steps_bring_up_the_agent_under_its_real_unit_and_netlab_connect_passes_from_outside()
    {
        var network = new HostNetwork();
        var imds = new MetadataService(network, network.HostAddress);
        try
        {
            await using var host = await BootAsync(network);
            Install(host);

            // The unit: Type=notify (active means the agent said READY), its own user, its state directory, the sandbox.
            var unit = Properties(host.Must("systemctl show netlab-agent -p Type -p User -p ActiveState -p SubState -p MainPID -p NRestarts"));
            Assert.Equal(("notify", "netlab", "active", "running", "0"), (unit["Type"], unit["User"], unit["ActiveState"], unit["SubState"], unit["NRestarts"]));
            var status = Properties(host.Must($"cat /proc/{unit["MainPID"]}/status"), ':');
            Assert.Equal(host.Must("id -u netlab").Trim(), status["Uid"].Split('\t')[0]);
            Assert.Equal("1", status["NoNewPrivs"]);
            Assert.Equal("2", status["Seccomp"]); // SystemCallFilter: a seccomp filter
            TheUnitHasCapNetRawAndNothingMore(host, unit["MainPID"], status);
            Assert.Equal("netlab 700", host.Must("stat -c '%U %a' /var/lib/netlab-agent").Trim());
            Assert.Equal("netlab 600", host.Must("stat -c '%U %a' /var/lib/netlab-agent/agent-cert.pfx").Trim());
            Assert.Equal("root 755", host.Must("stat -c '%U %a' /opt/netlab/netlab-agent").Trim());
            Assert.Contains("ProtectSystem=strict", host.Must("systemctl show netlab-agent -p ProtectSystem"));

            // The certificate's names came from IMDSv2, with a token, before the agent started.
            var hostname = imds.PublicHostname;
            Assert.Equal($"NETLAB_AGENT_ARGS= --cert-name {network.HostAddress} --cert-name {hostname}", host.Must("cat /etc/netlab/agent.env").Trim());
            Assert.Contains("PUT /latest/api/token no-token", imds.Requests);
            Assert.Contains("GET /latest/meta-data/public-ipv4 token", imds.Requests);
            Assert.DoesNotContain(imds.Requests, r => r.StartsWith("GET", StringComparison.Ordinal) && r.EndsWith("no-token", StringComparison.Ordinal));
            var names = await CertificateTextAsync(network.HostAddress);
            Assert.Contains($"IP Address:{network.HostAddress}", names);
            Assert.Contains($"DNS:{hostname}", names);

            // From outside, as a student's laptop would: every exercise.
            var knownHosts = Path.Combine(_work, "known_hosts");
            var connect = Netlab("connect", network.HostAddress, "--json", "--wire", "--known-hosts", knownHosts);
            Assert.True(connect.Code == 0, $"netlab connect {network.HostAddress} failed:\n{connect.Output}");
            using (var report = JsonDocument.Parse(connect.Output))
            {
                Assert.Equal(0, report.RootElement.GetProperty("failed").GetInt32());
                Assert.Equal(13, report.RootElement.GetProperty("passed").GetInt32());

                // The wire through the real unit: the tcp exercise's own connection, as the host's capture saw it.
                var tcp = report.RootElement.GetProperty("exercises").EnumerateArray().First(e => e.GetProperty("id").GetString() == "tcp");
                var wire = tcp.GetProperty("wire")[0];
                Assert.Equal("tcp", wire.GetProperty("protocol").GetString());
                Assert.True(wire.GetProperty("handshakeMs").GetDouble() > 0, tcp.ToString());
                Assert.False(wire.GetProperty("rewritten").GetBoolean(), tcp.ToString());
            }

            // A restart keeps the certificate: the pin holds.
            var before = Fingerprint(network.HostAddress, knownHosts);
            host.Must("systemctl restart netlab-agent");
            await WaitForHealthAsync(network.HostAddress);
            Assert.Equal(before, Fingerprint(network.HostAddress, knownHosts));
            Assert.Contains("ActiveState=active", host.Must("systemctl show netlab-agent -p ActiveState"));

            // A stop and start gives the instance a new public address: the next start of the agent names it.
            imds.PublicIpv4 = NewAddress(network.HostAddress);
            host.Must("systemctl restart netlab-agent");
            await WaitForHealthAsync(network.HostAddress);
            Assert.Contains($"--cert-name {imds.PublicIpv4}", host.Must("cat /etc/netlab/agent.env"));
            var renamed = await CertificateTextAsync(network.HostAddress);
            Assert.Contains($"IP Address:{imds.PublicIpv4}", renamed);
            Assert.DoesNotContain($"IP Address:{network.HostAddress}", renamed);
            Assert.Contains("Re-issued the certificate", host.Must("journalctl -u netlab-agent --no-pager -o cat"));

            await TheTutorialsLastStepAsync(host, network);
        }
        finally
        {
            imds.Dispose();
            network.Dispose();
        }

        Assert.False(network.LeftBehind(), "the rehearsal's namespace or veth is left behind");
    }

    [Fact]
    public async Task The_time_to_live_timer_powers_the_host_off_after_idle_and_not_while_it_is_used()
    {
        var ttl = TimeSpan.FromMinutes(1); // -c ttlMinutes=1 (the fixture's synth)
        using var network = new HostNetwork();
        using var imds = new MetadataService(network, network.HostAddress);
        await using var host = await BootAsync(network);
        Install(host);
        Assert.Contains("idle-check --ttl 1m", host.Must("systemctl cat netlab-ttl.service"));

        // The stack's timer checks every minute; the rehearsal checks every 5 s (a drop-in; one empty assignment resets
        // all of the timer's times) so that it ends a minute sooner. The service it starts, its unprivileged check and
        // its privileged poweroff are the stack's own.
        host.Must("mkdir -p /etc/systemd/system/netlab-ttl.timer.d && printf '[Timer]\\nOnBootSec=\\nOnBootSec=5s\\nOnUnitActiveSec=5s\\nAccuracySec=1s\\n' " +
            "> /etc/systemd/system/netlab-ttl.timer.d/rehearsal.conf && systemctl daemon-reload && systemctl restart netlab-ttl.timer");

        // Used (an HTTP request every 10 s from outside, a student's: from one page of the tutorial to the next, since the
        // same request again and again is what a scanner does) for longer than the TTL: it keeps running.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var used = Stopwatch.StartNew();
        var lastUse = Stopwatch.StartNew();
        for (var page = 0; used.Elapsed < ttl + TimeSpan.FromSeconds(20); page++)
        {
            Assert.False(host.HasExited, $"the host stopped while in use, {used.Elapsed.TotalSeconds:0} s in:\n{host.Console}");
            var (path, says) = page % 2 == 0 ? ("/", "Hello World!") : ($"/index/Student{page}", $"Hello, Student{page}!");
            Assert.Contains(says, await http.GetStringAsync($"http://{network.HostAddress}:11211{path}"));
            lastUse.Restart();
            await Task.Delay(TimeSpan.FromSeconds(10));
        }

        var checks = host.Must("journalctl -u netlab-ttl.service --no-pager -o cat");
        Assert.True(checks.Contains("netlab idle-check", StringComparison.Ordinal), "the timer's check never ran:\n" +
            host.Run("systemctl status netlab-ttl.timer netlab-ttl.service --no-pager; systemctl list-timers --all --no-pager; journalctl --no-pager | grep -i ttl | tail -30").Output);
        Assert.Contains("netlab idle-check: keep running", checks);
        Assert.DoesNotContain("netlab idle-check: stop", checks);

        // Then idle: still up most of a TTL after the last use, and off (a clean poweroff: nspawn exits 0) soon after it.
        await Task.Delay(ttl - TimeSpan.FromSeconds(15) - lastUse.Elapsed);
        Assert.False(host.HasExited, $"the host stopped {lastUse.Elapsed.TotalSeconds:0} s after its last use, before its {ttl.TotalSeconds:0} s TTL");
        if (!await host.WaitForExitAsync(TimeSpan.FromSeconds(60)))
        {
            Assert.Fail($"still running {lastUse.Elapsed.TotalSeconds:0} s after its last use:\n{host.Run("journalctl -u netlab-ttl.service --no-pager -o cat").Output}");
        }

        var off = lastUse.Elapsed;
        Assert.Equal(0, host.ExitCode);
        Assert.InRange(off, ttl, ttl + TimeSpan.FromSeconds(30));
        var journal = Tool.Run("journalctl", ["--directory", Path.Combine(_work, "root", "var", "log", "journal"), "-u", "netlab-ttl.service", "--no-pager", "-o", "cat"]).Output;
        Assert.Contains("netlab idle-check: stop", journal);
    }

    /// <summary>
    /// The agent's one capability (issue 22: packet capture of its own port): CAP_NET_RAW (bit 13) and nothing more,
    /// in every set of the running agent, in the system's user namespace (a private one's CAP_NET_RAW opens no packet
    /// socket on the host's network). Then a copy of the unit, the same user and sandbox with perl in the agent's
    /// place, opens an AF_PACKET socket: what the agent's capture opens, allowed by RestrictAddressFamilies and the
    /// system call filter, too; and the agent's own start line says capture is on.
    /// </summary>
    private void TheUnitHasCapNetRawAndNothingMore(BootedHost host, string pid, Dictionary<string, string> status)
    {
        const string NetRawOnly = "0000000000002000";
        foreach (var set in new[] { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" })
        {
            Assert.True(status[set] == NetRawOnly, $"the agent's {set} is {status[set]}, not {NetRawOnly} (CAP_NET_RAW alone)");
        }

        Assert.Equal(host.Must("readlink /proc/1/ns/user"), host.Must($"readlink /proc/{pid}/ns/user"));

        // And the agent uses it: its start says capture is on, not why it is off.
        var started = host.Must("journalctl -u netlab-agent --no-pager -o cat");
        Assert.True(started.Contains("capture is on:", StringComparison.Ordinal) && !started.Contains("capture is off", StringComparison.Ordinal),
            $"the agent under its unit does not capture:\n{started}");

        File.WriteAllText(Path.Combine(_work, "root", "usr", "local", "lib", "netlab-packet-probe.pl"),
            "socket(my $s, 17, 3, 768) or die \"socket(AF_PACKET, SOCK_RAW, ETH_P_ALL): $!\\n\"; print \"AF_PACKET open\\n\";\n");
        host.Must("sed -e '/^ExecStartPre=/d' -e '/^Restart/d' -e 's|^Type=notify$|Type=oneshot|' " +
            "-e 's|^ExecStart=.*|ExecStart=/usr/bin/perl /usr/local/lib/netlab-packet-probe.pl|' " +
            "/etc/systemd/system/netlab-agent.service > /run/systemd/system/netlab-packet-probe.service && systemctl daemon-reload");
        var probe = host.Run("systemctl start netlab-packet-probe.service");
        var said = host.Run("journalctl -u netlab-packet-probe.service --no-pager -o cat").Output;
        Assert.True(probe.Code == 0 && said.Contains("AF_PACKET open", StringComparison.Ordinal),
            $"under the agent's unit, no AF_PACKET socket ({probe.Code}):\n{probe.Output}\n{said}\n{host.Run("systemctl cat netlab-packet-probe.service").Output}");
    }

    /// <summary>
    /// The tutorial's "nc -l 11211" on the host, both documented ways: netlab-agent listen in the ssh session (the
    /// agent keeps the port; the laptop's connection, from the address in $SSH_CLIENT, comes to the terminal), and
    /// stopping the agent for ncat -l 11211 (Amazon Linux's nmap-ncat), then starting it again.
    /// </summary>
    private static async Task TheTutorialsLastStepAsync(BootedHost host, HostNetwork network)
    {
        var laptop = network.LocalAddress;
        await using (var listen = host.Start($"printf 'hello from the host\\n' | SSH_CLIENT='{laptop} 50022 22' /opt/netlab/netlab-agent listen > /tmp/from-laptop"))
        {
            await listen.WaitForStderrAsync($"waiting on port 11211 for the next connection from {laptop}", timeoutSeconds: 20);
            var waiting = listen.Stderr;
            var (code, got) = Tool.Run("sh", ["-c", $"printf 'hello from the laptop\\n' | nc -N {network.HostAddress} 11211"], timeoutSeconds: 30);
            Assert.True(code == 0, $"nc to the listening terminal failed ({code}): {got}\n{waiting}");
            Assert.Equal("hello from the host\n", got);
            Assert.True(await listen.TryWaitForExitAsync(TimeSpan.FromSeconds(15)), "netlab-agent listen did not end when the laptop's nc closed");
            Assert.Equal(0, listen.ExitCode);
        }

        Assert.Equal("hello from the laptop\n", host.Must("cat /tmp/from-laptop"));

        host.Must("systemctl stop netlab-agent");
        await using (var ncat = host.Start("printf 'hello from ncat\\n' | ncat -l 11211 > /tmp/from-laptop-2"))
        {
            for (var i = 0; i < 100 && !host.Run("ss -ltn | grep -q ':11211 '").Code.Equals(0); i++)
            {
                await Task.Delay(100);
            }

            var (code, got) = Tool.Run("sh", ["-c", $"printf 'hello ncat\\n' | nc -N {network.HostAddress} 11211"], timeoutSeconds: 30);
            Assert.True(code == 0 && got == "hello from ncat\n", $"nc to ncat -l on the host: {code} {got}");
            Assert.True(await ncat.TryWaitForExitAsync(TimeSpan.FromSeconds(15)), "ncat -l did not end");
        }

        Assert.Equal("hello ncat\n", host.Must("cat /tmp/from-laptop-2"));
        host.Must("systemctl start netlab-agent");
        await WaitForHealthAsync(network.HostAddress);
    }

    private async Task<BootedHost> BootAsync(HostNetwork network)
    {
        var root = RootFileSystem.Unpack(fixture.Tarball, _work);
        return await BootedHost.BootAsync(root, network, Path.Combine(_work, "console.log"));
    }

    /// <summary>cfn-init's part: the install steps, ending with the health gate, must all succeed.</summary>
    private void Install(BootedHost host)
    {
        var init = new CloudFormationInit(host, Path.Combine(_work, "root"), fixture.AssetFolder);
        var (code, output) = init.Apply(fixture.Init);
        Assert.True(code == 0, $"the install failed (cfn-signal would report {code}):\n{string.Join('\n', init.Log)}\n{output}\n" +
            host.Run("systemctl status netlab-agent --no-pager; journalctl -u netlab-agent --no-pager | tail -40").Output);
        Assert.Contains(init.Log, l => l.StartsWith("command 002: exit 0", StringComparison.Ordinal)); // the health gate
    }

    private ToolRun Netlab(params string[] args) =>
        Tool.Run("dotnet", [fixture.Netlab, .. args], environment: new Dictionary<string, string> { ["NO_COLOR"] = "1" }, timeoutSeconds: 180);

    private string Fingerprint(string address, string knownHosts)
    {
        var (code, output) = Netlab("tls", $"{address}:11211", "--json", "--known-hosts", knownHosts);
        Assert.True(code == 0, $"netlab tls failed:\n{output}");
        using var tls = JsonDocument.Parse(output);
        return tls.RootElement.GetProperty("fingerprint").GetString()!;
    }

    private static async Task<string> CertificateTextAsync(string address)
    {
        await Task.Yield();
        var (code, output) = Tool.Run("sh", ["-c", $"openssl s_client -connect {address}:11211 </dev/null 2>/dev/null | openssl x509 -noout -text"], timeoutSeconds: 30);
        Assert.True(code == 0, $"openssl could not read the certificate:\n{output}");
        return output;
    }

    private static async Task WaitForHealthAsync(string address)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var i = 0; i < 100; i++)
        {
            try
            {
                if ((await http.GetAsync($"http://{address}:11211/health")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Restarting.
            }

            await Task.Delay(200);
        }

        Assert.Fail($"the agent at {address} did not answer /health within 20 s of a restart");
    }

    /// <summary>Another address in the same /30's neighbourhood: the host's "public IP" after a stop and start (never sent to).</summary>
    private static string NewAddress(string address) => address[..(address.LastIndexOf('.') + 1)] + "6";

    private static Dictionary<string, string> Properties(string text, char separator = '=') =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.Contains(separator, StringComparison.Ordinal))
            .GroupBy(l => l[..l.IndexOf(separator)].Trim())
            .ToDictionary(g => g.Key, g => g.First()[(g.First().IndexOf(separator) + 1)..].Trim());
}
