using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using NetLab.Agent.Hosting;
using NetLab.Agent.Internet;
using NetLab.Testing;

namespace NetLab.Agent.Tests.Internet;

/// <summary>What keeps a lab host alive on the internet: lab use, not scanner noise; and the maximum lifetime regardless.</summary>
[Trait("Loop", "Slow")] // needs root and network namespaces (TestInternet)
public sealed class LabUseTests : IDisposable
{
    // A probe only needs the handshake to happen, not to trust the agent's self-signed certificate.
#pragma warning disable CA5359
    private static readonly System.Net.Security.RemoteCertificateValidationCallback AnyCertificate = (_, _, _, _) => true;
#pragma warning restore CA5359

    private readonly string _dataDir = Directory.CreateTempSubdirectory("netlab-use-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task Scanner_noise_lets_the_host_stop_while_a_student_or_UDP_use_keeps_it_and_the_lifetime_stops_it_anyway()
    {
        using var net = new TestInternet(clientAddresses: 60);
        var agent = await net.StartAgentAsync(Path.Combine(_dataDir, "agent"));
        var logins = Path.Combine(_dataDir, "no-logins");
        await File.WriteAllBytesAsync(logins, []);

        // 24 s of what the internet does to port 11211, from rotating addresses, beside one connection held silent.
        using var held = await net.ConnectAsync(net.ClientAddresses[59]);
        var noise = Enumerable.Range(0, 16).Select(async i =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1.5 * i));
            await ProbeAsync(net, net.ClientAddresses[10 + i], kind: i % 6);
        }).ToList();
        // memcached's TCP probe, `stats`, again and again from a few addresses (each would be a "student" if probes counted),
        // and a scanner's burst from one address: GET /, a TLS handshake with GET /, a banner grab, within seconds, twice.
        noise.AddRange(Enumerable.Range(0, 12).Select(async i =>
        {
            await Task.Delay(TimeSpan.FromSeconds(2 * (i / 3)));
            await MemcachedStatsAsync(net, net.ClientAddresses[40 + i % 3], i % 2 == 0 ? "stats\r\n" : "version\r\n");
        }));
        noise.Add(Task.Run(async () =>
        {
            await ScannerBurstAsync(net, net.ClientAddresses[50]);
            await Task.Delay(TimeSpan.FromSeconds(3));
            await ScannerBurstAsync(net, net.ClientAddresses[50]);
        }));
        await Task.WhenAll(noise);
        await Task.Delay(TimeSpan.FromSeconds(1));

        var afterNoise = await IdleCheckAsync(net, logins, "--ttl", "20s");
        Assert.True(afterNoise.ExitCode == IdleCheckCommand.StopExitCode, $"noise kept the host up: {afterNoise.Stdout}{afterNoise.Stderr}");
        Assert.Contains("stop: no lab use for", afterNoise.Stdout);

        // A student types two lines in nc: lab use.
        await using (var nc = net.StartClient("nc", "-s", net.ClientAddresses[0], net.HostAddress, $"{TestInternet.Port}"))
        {
            await nc.WaitForOutputAsync("q to quit.");
            await nc.WriteAsync("hello\n");
            await nc.WaitForOutputAsync("What?");
            await nc.WriteAsync("how are you?\n");
            await nc.WaitForOutputAsync("What?\r\nWhat?");
        }

        var afterStudent = await IdleCheckAsync(net, logins, "--ttl", "20s");
        afterStudent.AssertExit(0);
        Assert.Contains("keep running: last lab use 0 min ago", afterStudent.Stdout);

        // netlab connect's first session says /whoami (a lab command) at once: lab use too.
        await Task.Delay(TimeSpan.FromSeconds(6));
        (await IdleCheckAsync(net, logins, "--ttl", "5s")).AssertExit(IdleCheckCommand.StopExitCode);
        var connect = await net.RunClientAsync("nc", ["-s", net.ClientAddresses[2], "-q1", net.HostAddress, $"{TestInternet.Port}"], "/whoami\nq\n"u8.ToArray());
        Assert.Contains($"{net.ClientAddresses[2]}", connect.Stdout);
        (await IdleCheckAsync(net, logins, "--ttl", "5s")).AssertExit(0);

        // Idle again, then a UDP-only exercise: two lines from nc -u.
        await Task.Delay(TimeSpan.FromSeconds(6));
        (await IdleCheckAsync(net, logins, "--ttl", "5s")).AssertExit(IdleCheckCommand.StopExitCode);
        var udp = await net.ShellClientAsync($"printf 'ping\\n' | nc -u -s {net.ClientAddresses[1]} -w1 {net.HostAddress} {TestInternet.Port}; printf 'pong\\n' | nc -u -s {net.ClientAddresses[1]} -w1 {net.HostAddress} {TestInternet.Port}");
        Assert.Equal("ping\npong\n", udp.Stdout);
        (await IdleCheckAsync(net, logins, "--ttl", "5s")).AssertExit(0);

        // The maximum lifetime stops the host however busy it is.
        var expired = await IdleCheckAsync(net, logins, "--ttl", "5s", "--max-lifetime", "1s");
        expired.AssertExit(IdleCheckCommand.StopExitCode);
        Assert.Contains("the maximum lifetime of", expired.Stdout);

        var health = JsonDocument.Parse((await net.RunOnHostAsync("curl", ["-sS", $"http://127.0.0.1:{TestInternet.Port}/health"])).Stdout).RootElement;
        Assert.Equal(3, health.GetProperty("students").GetInt32()); // the typist, the UDP user, netlab connect: no scanner
        Assert.False(agent.HasExited);
    }

    [Fact]
    public async Task Health_from_another_machine_says_only_that_the_agent_is_up()
    {
        using var net = new TestInternet(clientAddresses: 2);
        await net.StartAgentAsync(Path.Combine(_dataDir, "agent"));
        var remote = await Curl.FromAsync(net, net.ClientAddresses[0], "/health");
        Assert.Equal(200, remote.Status);
        Assert.Equal("{\"status\":\"ok\"}", remote.Body);

        var local = JsonDocument.Parse((await net.RunOnHostAsync("curl", ["-sS", $"http://127.0.0.1:{TestInternet.Port}/health"])).Stdout).RootElement;
        Assert.True(local.TryGetProperty("idleSeconds", out _));
        Assert.True(local.TryGetProperty("egress", out _));
    }

    [Fact]
    public void An_address_is_a_student_after_two_actions_within_the_window_and_stops_being_one_after_a_silent_one()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var use = new LabUse(time);
        var scanner = IPAddress.Parse("198.18.0.7");
        var student = IPAddress.Parse("198.18.0.8");

        time.Advance(TimeSpan.FromMinutes(30));
        use.Record(scanner);
        Assert.Equal(TimeSpan.FromMinutes(30), use.SinceLastUse); // one probe is not use

        time.Advance(LabUse.Window + TimeSpan.FromSeconds(1));
        use.Record(scanner); // a second probe, a window later: still not a student
        Assert.Equal(0, use.Students);

        use.Record(student);
        time.Advance(TimeSpan.FromMinutes(1));
        use.Record(student);
        Assert.Equal(TimeSpan.Zero, use.SinceLastUse);
        Assert.Equal(1, use.Students);

        time.Advance(TimeSpan.FromMinutes(5));
        use.Record(student); // a student's every action counts
        Assert.Equal(TimeSpan.Zero, use.SinceLastUse);

        time.Advance(LabUse.Window);
        use.Record(student); // silent for a whole window: one action is not enough again
        Assert.Equal(LabUse.Window, use.SinceLastUse);

        use.Record(IPAddress.Loopback, weight: 10); // the host's own checks never count
        Assert.Equal(LabUse.Window, use.SinceLastUse);
    }

    [Fact]
    public void The_same_request_twice_is_one_action_until_the_address_is_a_student()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var use = new LabUse(time);
        var scanner = IPAddress.Parse("198.18.0.7");
        var student = IPAddress.Parse("198.18.0.8");
        time.Advance(TimeSpan.FromMinutes(30));

        use.Record(scanner, what: "GET /");
        use.Record(scanner, what: "GET /"); // again, over TLS
        Assert.Equal(0, use.Students);

        use.Record(student, what: "GET /");
        use.Record(student, what: "GET /index"); // a student moves on
        Assert.Equal(1, use.Students);
        use.Record(student, what: "GET /index"); // and from then on every request counts
        Assert.Equal(TimeSpan.Zero, use.SinceLastUse);
    }

    [Theory]
    [InlineData("stats", true)]
    [InlineData("version", true)]
    [InlineData("get foo", true)]
    [InlineData("set k 0 0 1", true)]
    [InlineData("flush_all", true)]
    [InlineData("PING", true)]
    [InlineData("INFO", true)]
    [InlineData("*1", true)]
    [InlineData("EHLO scanner.example", true)]
    [InlineData("HELO x", true)]
    [InlineData("USER anonymous", true)]
    [InlineData("A001 CAPABILITY", true)]
    [InlineData("\u0080\u0001\u0000", true)]
    [InlineData("hello", false)]
    [InlineData("how are you?", false)]
    [InlineData("/whoami", false)]
    [InlineData("/help", false)]
    [InlineData("help", false)]
    [InlineData("ping", false)]
    [InlineData("q", false)]
    [InlineData("Hello, stats fans", false)]
    public void A_first_line_in_another_service_s_protocol_is_a_probe_and_what_a_person_types_is_not(string line, bool probe)
    {
        var bytes = line.Select(c => (byte)c).ToArray();
        Assert.Equal(probe, ForeignProtocol.IsProbe(new System.Buffers.ReadOnlySequence<byte>(bytes)));
    }

    private static Task<Tool> IdleCheckAsync(TestInternet net, string logins, params string[] options) =>
        net.RunOnHostAsync("dotnet", [AgentProcess.Dll, "idle-check", "--port", $"{TestInternet.Port}", "--logins", logins,
            .. options.Contains("--max-lifetime") ? options : [.. options, "--max-lifetime", "0s"]]);

    /// <summary>memcached's TCP probe: one command, read the answer, close.</summary>
    private static async Task MemcachedStatsAsync(TestInternet net, string source, string command)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        using var socket = await net.ConnectAsync(source, timeout.Token);
        await socket.SendAsync(Encoding.ASCII.GetBytes(command), timeout.Token);
        var answer = await ReadForAsync(socket, "What?", timeout.Token);
        Assert.Contains("What?", answer); // answered as any session, and not counted
    }

    /// <summary>A scanner's visit: GET / over HTTP, a TLS handshake and GET / inside it, a banner grab that sends a blank line.</summary>
    private static async Task ScannerBurstAsync(TestInternet net, string source)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        using (var http = await net.ConnectAsync(source, timeout.Token))
        {
            await http.SendAsync("GET / HTTP/1.0\r\n\r\n"u8.ToArray(), timeout.Token);
            Assert.Contains("Hello World!", await ReadForAsync(http, "Hello World!", timeout.Token));
        }

        using (var socket = await net.ConnectAsync(source, timeout.Token))
        await using (var tls = new SslStream(new NetworkStream(socket, ownsSocket: false)))
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "lab", RemoteCertificateValidationCallback = AnyCertificate }, timeout.Token);
            await tls.WriteAsync("GET / HTTP/1.0\r\n\r\n"u8.ToArray(), timeout.Token);
            var answer = new MemoryStream();
            await tls.CopyToAsync(answer, timeout.Token); // HTTP/1.0: the agent closes after the answer
            Assert.Contains("Hello World!", Encoding.ASCII.GetString(answer.ToArray()));
        }

        using var grab = await net.ConnectAsync(source, timeout.Token);
        await ReadForAsync(grab, "q to quit.", timeout.Token);
        await grab.SendAsync("\r\n\r\n"u8.ToArray(), timeout.Token);
        await ReadForAsync(grab, "What?", timeout.Token);
    }

    private static async Task<string> ReadForAsync(Socket socket, string text, CancellationToken ct)
    {
        var seen = new StringBuilder();
        var buffer = new byte[4096];
        while (!seen.ToString().Contains(text, StringComparison.Ordinal))
        {
            var n = await socket.ReceiveAsync(buffer, ct);
            if (n == 0)
            {
                break;
            }

            seen.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }

        return seen.ToString();
    }

    /// <summary>One thing a scanner does: connect and close, a memcached probe (TCP or UDP), GET /, a TLS hello, /health, or garbage.</summary>
    private static async Task ProbeAsync(TestInternet net, string source, int kind)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        if (kind == 1)
        {
            using var udp = net.Sockets(source, 1, SocketType.Dgram)[0];
            await udp.SendToAsync("\0\u0001\0\0\0\u0001\0\0stats\r\n"u8.ToArray(), new IPEndPoint(IPAddress.Parse(net.HostAddress), TestInternet.Port), timeout.Token);
            return;
        }

        using var socket = await net.ConnectAsync(source, timeout.Token);
        switch (kind)
        {
            case 0:
                return; // connect, close
            case 2:
                await socket.SendAsync("stats\r\n"u8.ToArray(), timeout.Token);
                break;
            case 3:
                await socket.SendAsync("GET / HTTP/1.0\r\n\r\n"u8.ToArray(), timeout.Token);
                break;
            case 4:
                await using (var tls = new SslStream(new NetworkStream(socket, ownsSocket: false)))
                {
                    await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "lab", RemoteCertificateValidationCallback = AnyCertificate }, timeout.Token);
                }

                return;
            default:
                await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /health HTTP/1.1\r\nHost: {net.HostAddress}\r\nConnection: close\r\n\r\n"), timeout.Token);
                break;
        }

        var buffer = new byte[4096];
        try
        {
            await socket.ReceiveAsync(buffer, timeout.Token); // read the answer, then close, as scanners do
        }
        catch (OperationCanceledException)
        {
        }
    }
}
