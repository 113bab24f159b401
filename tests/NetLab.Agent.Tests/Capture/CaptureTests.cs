using System.Net;
using System.Net.Sockets;
using System.Text;
using NetLab.Testing;
using NetLab.Wire;

namespace NetLab.Agent.Tests.Capture;

/// <summary>
/// What /capture and /wire give a real client, read back by Debian's tshark: the packets agree with what the test did
/// on the wire, belong only to the address that asks, and carry at most 64 bytes of payload.
/// </summary>
[Trait("Loop", "Slow")] // needs root (CAP_NET_RAW): the test agents capture
public sealed class CaptureTests : IAsyncLifetime
{
    private TestAgent _agent = null!;

    public async Task InitializeAsync() => _agent = await TestAgent.StartAsync(webPort: 0);

    public async Task DisposeAsync() => await _agent.DisposeAsync();

    [Fact]
    public async Task A_text_session_shows_the_handshake_each_data_segment_and_FIN_both_ways()
    {
        int clientPort;
        var fromAgent = 0;
        using (var client = await ConnectAsync(IPAddress.Loopback))
        {
            clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
            fromAgent += (await ReadUntilAsync(client, "q to quit.\r\n")).Length;
            await client.SendAsync("hello\n"u8.ToArray());
            fromAgent += (await ReadUntilAsync(client, "What?\r\n")).Length;
            await client.SendAsync("q\n"u8.ToArray());
            fromAgent += (await ReadToEndAsync(client)).Length; // Bye!, then the agent's FIN
        }

        var (response, all) = await TsharkRow.FetchAsync($"{_agent.HttpUrl}/capture?port={clientPort}");
        var rows = all.Where(r => r.Protocol == "tcp").ToList();
        var port = _agent.Port;
        Assert.True(rows.Count >= 9, string.Join("\n", rows));
        Assert.True(long.Parse(response.Header("X-Netlab-Capture-Next")!, System.Globalization.CultureInfo.InvariantCulture) > 0);

        Assert.True(rows[0] is { Syn: true, Ack: false } && rows[0].FromClient(port), $"first: {rows[0]}");
        Assert.True(rows[1] is { Syn: true, Ack: true } && !rows[1].FromClient(port), $"second: {rows[1]}");
        Assert.True(rows[2] is { Syn: false, Ack: true, Length: 0 } && rows[2].FromClient(port), $"third: {rows[2]}");
        Assert.Equal([6, 2], rows.Where(r => r.FromClient(port) && r.Length > 0).Select(r => r.Length)); // "hello\n", "q\n"
        Assert.Equal(fromAgent, rows.Where(r => !r.FromClient(port)).Sum(r => r.Length));
        Assert.Single(rows, r => r.Fin && r.FromClient(port));
        Assert.Single(rows, r => r.Fin && !r.FromClient(port));
        Assert.DoesNotContain(rows, r => r.Rst);
        Assert.All(rows, r => Assert.True(r.SourcePort == clientPort || r.DestinationPort == clientPort, r.ToString()));
    }

    [Fact]
    public async Task A_connection_reset_by_the_client_shows_its_RST()
    {
        int clientPort;
        using (var client = await ConnectAsync(IPAddress.Loopback))
        {
            clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
            await ReadUntilAsync(client, "q to quit.\r\n");
            client.LingerState = new LingerOption(true, 0); // close with linger 0: RST, not FIN
            client.Close();
        }

        var (_, rows) = await TsharkRow.FetchAsync($"{_agent.HttpUrl}/capture?port={clientPort}"); // what the kernel saw before the request is in
        Assert.True(rows[0].Syn);
        Assert.Contains(rows, r => r.Rst && r.FromClient(_agent.Port));
        Assert.DoesNotContain(rows, r => r.Fin && r.FromClient(_agent.Port));
    }

    [Fact]
    public async Task A_UDP_exchange_shows_both_datagrams_and_the_fetch_itself_is_left_out()
    {
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        await udp.SendAsync("ping!"u8.ToArray(), new IPEndPoint(IPAddress.Loopback, _agent.Port));
        var echo = await udp.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("ping!", Encoding.ASCII.GetString(echo.Buffer));
        var udpPort = ((IPEndPoint)udp.Client.LocalEndPoint!).Port;

        var (first, rows) = await TsharkRow.FetchAsync($"{_agent.HttpUrl}/capture");
        Assert.Equal(2, rows.Count(r => r.Protocol == "udp"));
        Assert.Contains(rows, r => r.Protocol == "udp" && r.SourcePort == udpPort && r.Length == 5);
        Assert.Contains(rows, r => r.Protocol == "udp" && r.DestinationPort == udpPort && r.Length == 5);
        Assert.DoesNotContain(rows, r => r.Protocol == "tcp"); // this fetch's own connection is not shown

        // The next fetch, since the last: nothing new but the fetches, which are left out.
        var next = first.Header("X-Netlab-Capture-Next")!;
        var (_, later) = await TsharkRow.FetchAsync($"{_agent.HttpUrl}/capture?since={next}");
        Assert.Empty(later);

        var bad = await Curl.GetAsync($"{_agent.HttpUrl}/capture?since=yesterday");
        Assert.Equal(400, bad.Status);
        Assert.Contains("since='yesterday' is not a sequence number", bad.Body, StringComparison.Ordinal);
        Assert.Equal(400, (await Curl.GetAsync($"{_agent.HttpUrl}/capture?port=70000")).Status);
    }

    [Fact]
    public async Task Since_now_gives_no_packets_only_where_the_next_fetch_counts_from()
    {
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        await udp.SendAsync("before"u8.ToArray(), new IPEndPoint(IPAddress.Loopback, _agent.Port));
        await udp.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(10));

        var (now, none) = await TsharkRow.FetchAsync($"{_agent.HttpUrl}/capture?since=now"); // what netlab asks at a run's start
        Assert.Empty(none);
        Assert.Empty(Pcapng.Read(now.BodyBytes)); // as netlab reads it
        await udp.SendAsync("after"u8.ToArray(), new IPEndPoint(IPAddress.Loopback, _agent.Port));
        await udp.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(10));

        var (_, rows) = await TsharkRow.FetchAsync($"{_agent.HttpUrl}/capture?since={now.Header("X-Netlab-Capture-Next")}");
        Assert.Equal([5, 5], rows.Select(r => r.Length)); // "after" both ways, not "before"
    }

    [Fact]
    public async Task A_second_address_gets_none_of_the_first_ones_packets()
    {
        int firstPort;
        using (var first = await ConnectAsync(IPAddress.Loopback))
        {
            firstPort = ((IPEndPoint)first.LocalEndPoint!).Port;
            await ReadUntilAsync(first, "q to quit.\r\n");
            await first.SendAsync("secret line\n"u8.ToArray());
            await ReadUntilAsync(first, "What?\r\n");
        }

        var second = IPAddress.Parse("127.0.0.2");
        using (var other = await ConnectAsync(second))
        {
            await ReadUntilAsync(other, "q to quit.\r\n");
        }

        var (_, mine) = await TsharkRow.FetchAsync($"{_agent.HttpUrl}/capture?port={firstPort}");
        Assert.NotEmpty(mine);
        var (_, theirs) = await TsharkRow.FetchAsync($"{_agent.HttpUrl}/capture", "--interface", "127.0.0.2");
        Assert.NotEmpty(theirs); // its own session
        Assert.All(theirs.Where(r => r.FromClient(_agent.Port)), r => Assert.Equal("127.0.0.2", r.Source));
        Assert.DoesNotContain(theirs, r => r.SourcePort == firstPort || r.DestinationPort == firstPort);
        var (_, byPort) = await TsharkRow.FetchAsync($"{_agent.HttpUrl}/capture?port={firstPort}", "--interface", "127.0.0.2");
        Assert.Empty(byPort);
    }

    [Fact]
    public async Task Payload_is_cut_at_64_bytes_even_in_a_basic_auth_header()
    {
        var secret = Convert.ToBase64String(Encoding.ASCII.GetBytes("student:" + new string('p', 300)));
        var request = $"GET /basic-auth/student/{new string('p', 300)} HTTP/1.1\r\nHost: lab\r\nAuthorization: Basic {secret}\r\nConnection: close\r\n\r\n";
        int clientPort;
        using (var client = await ConnectAsync(IPAddress.Loopback))
        {
            clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
            await client.SendAsync(Encoding.ASCII.GetBytes(request));
            Assert.Contains("200 OK", await ReadToEndAsync(client), StringComparison.Ordinal);
        }

        var (response, rows) = await TsharkRow.FetchAsync($"{_agent.HttpUrl}/capture?port={clientPort}");
        var sent = Assert.Single(rows, r => r.FromClient(_agent.Port) && r.Length > 0);
        Assert.Equal(request.Length, sent.Length); // the length on the wire, whole
        Assert.True(sent.CapturedLength - (sent.FrameLength - sent.Length) <= 64, $"{sent.CapturedLength} bytes kept of {sent.FrameLength}");
        Assert.DoesNotContain(secret[..20], Encoding.ASCII.GetString(response.BodyBytes), StringComparison.Ordinal);
        foreach (var packet in Pcapng.Read(response.BodyBytes))
        {
            Assert.True(packet.Payload.Length <= WirePacket.MaxPayload);
        }
    }

    [Fact]
    public async Task Wire_in_a_text_session_shows_its_own_handshake()
    {
        using var client = await ConnectAsync(IPAddress.Loopback);
        var clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
        await ReadUntilAsync(client, "q to quit.\r\n");
        await client.SendAsync("/wire\n"u8.ToArray());
        var ladder = await ReadUntilAsync(client, "handshake:");
        ladder += await ReadUntilAsync(client, "\r\n");
        Assert.Contains($"TCP 127.0.0.1:{clientPort} -> 127.0.0.1:{_agent.Port}", ladder, StringComparison.Ordinal);
        var lines = ladder.Split("\r\n");
        var syn = Array.FindIndex(lines, l => l.Contains("SYN seq=0", StringComparison.Ordinal));
        var synAck = Array.FindIndex(lines, l => l.Contains("SYN-ACK seq=0 ack=1", StringComparison.Ordinal));
        var ack = Array.FindIndex(lines, l => l.Contains("ACK ack=1 ", StringComparison.Ordinal) && !l.Contains("SYN", StringComparison.Ordinal));
        Assert.True(syn >= 0 && synAck > syn && ack > synAck, ladder);
    }

    [Fact]
    public async Task Capture_is_served_over_HTTPS_and_on_the_web_port_too()
    {
        int clientPort;
        using (var client = await ConnectAsync(IPAddress.Loopback))
        {
            clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
            await ReadUntilAsync(client, "q to quit.\r\n");
        }

        var (_, overTls) = await TsharkRow.FetchAsync($"{_agent.HttpsUrl}/capture?port={clientPort}", "-k");
        var (_, onWebPort) = await TsharkRow.FetchAsync($"{_agent.WebUrl}/capture?port={clientPort}");
        Assert.True(overTls[0].Syn && overTls.Count >= 4, string.Join("\n", overTls));
        Assert.Equal(overTls.Take(4).Select(r => r.ToString()), onWebPort.Take(4).Select(r => r.ToString()));
    }

    [Fact]
    public async Task IPv6_connections_are_captured_too()
    {
        await using var agent = await TestAgent.StartAsync(bind: IPAddress.IPv6Loopback);
        int clientPort;
        using (var client = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp))
        {
            await client.ConnectAsync(IPAddress.IPv6Loopback, agent.Port);
            clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
            await ReadUntilAsync(client, "q to quit.\r\n");
            await client.SendAsync("hello\n"u8.ToArray());
            await ReadUntilAsync(client, "What?\r\n");
        }

        var response = await Curl.GetAsync($"http://[::1]:{agent.Port}/capture?port={clientPort}");
        var packets = Pcapng.Read(response.BodyBytes);
        Assert.True(packets.Count >= 5, $"{packets.Count} packets");
        Assert.True(packets[0].Has(TcpControlBits.Syn) && packets[0].Source.Equals(IPAddress.IPv6Loopback));
        Assert.Contains(packets, p => p.SourcePort == clientPort && p.PayloadLength == 6);
    }

    private async Task<Socket> ConnectAsync(IPAddress source)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Bind(new IPEndPoint(source, 0));
        await socket.ConnectAsync(IPAddress.Loopback, _agent.Port);
        return socket;
    }

    private static async Task<string> ReadUntilAsync(Socket socket, string text)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = new StringBuilder();
        var buffer = new byte[1]; // byte by byte: nothing after the text is taken
        while (!received.ToString().EndsWith(text, StringComparison.Ordinal))
        {
            var n = await socket.ReceiveAsync(buffer, timeout.Token);
            Assert.True(n > 0, $"closed before '{text}': {received}");
            received.Append((char)buffer[0]);
        }

        return received.ToString();
    }

    private static async Task<string> ReadToEndAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = new StringBuilder();
        var buffer = new byte[4096];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, timeout.Token)) > 0)
        {
            received.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }

        return received.ToString();
    }
}
