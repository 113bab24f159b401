using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using NetLab.Testing;
using NetLab.Cli.Lab;
using NetLab.Cli.Tests.Support;

namespace NetLab.Cli.Tests.Lab;

/// <summary>TLS clients connect when their ClientHello is ready, so the agent's sniffer never sees a silent start.</summary>
[Trait("Loop", "Slow")] // needs root and network namespaces (TestNetwork)
public sealed class ConnectOnWriteStreamTests : IDisposable
{
    private readonly ScratchDir _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task Connects_on_the_first_write_sends_it_and_then_carries_both_ways()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        await using var stream = new ConnectOnWriteStream("127.0.0.1", port);

        Assert.Throws<InvalidOperationException>(() => stream.Socket);
        var accepting = listener.AcceptAsync();
        await Task.Delay(50);
        Assert.False(accepting.IsCompleted, "connected before the first write");

        await stream.WriteAsync("hello"u8.ToArray());
        using var peer = await accepting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(((IPEndPoint)peer.RemoteEndPoint!).Port, ((IPEndPoint)stream.Socket.LocalEndPoint!).Port);
        var buffer = new byte[16];
        Assert.Equal("hello", Encoding.ASCII.GetString(buffer, 0, await peer.ReceiveAsync(buffer)));

        await stream.WriteAsync(" again"u8.ToArray());
        Assert.Equal(" again", Encoding.ASCII.GetString(buffer, 0, await peer.ReceiveAsync(buffer)));
        await peer.SendAsync("back"u8.ToArray());
        Assert.Equal("back", Encoding.ASCII.GetString(buffer, 0, await stream.ReadAsync(buffer)));
    }

    [Fact]
    public async Task A_refused_connect_fails_the_handshake_with_the_socket_error_not_a_tls_one()
    {
        var transport = new ConnectOnWriteStream("127.0.0.1", Netlab.FreePort());
        await using var ssl = new SslStream(transport);
        var handshake = ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "127.0.0.1" });

        var error = await Assert.ThrowsAsync<SocketException>(() => ConnectOnWriteStream.AuthenticateAsync(handshake, transport));
        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
        Assert.Same(error, transport.ConnectError);
    }

    [Fact]
    public async Task Nc_ssl_to_a_filtered_port_gives_up_after_its_wait()
    {
        // The blocking connect is ended by closing its socket when -w runs out, as ncat's -w ends its connect.
        using var network = new TestNetwork();
        await using var nc = Netlab.Start("nc", "--ssl", "-w", "1s", network.PeerAddress, TestNetwork.FilteredPort.ToString());
        nc.CloseStdin();
        await nc.WaitForExitAsync(30);
        nc.AssertExit(2);
        Assert.Contains("no answer within 1 s", nc.Stderr);
    }

    [Fact]
    public async Task A_cold_netlab_gets_tls_and_http_from_an_agent_with_a_short_sniff_window()
    {
        // A fresh netlab process compiles and sets up its TLS client after connecting unless the connect waits for
        // the hello: 30-50 ms of silence on an idle machine, and more under load, which a short window takes
        // for a text session (the banner then breaks the handshake).
        await using var agent = await TestAgent.StartAsync(sniffTimeout: TimeSpan.FromMilliseconds(100));
        var pins = Path.Combine(_scratch.Path, "known_hosts");

        await using var tls = Netlab.Start("tls", $"127.0.0.1:{agent.Port}", "--known-hosts", pins);
        await tls.WaitForExitAsync(30);
        tls.AssertExit(0);
        Assert.Contains("version      TLS 1.3", tls.Stdout);
        Assert.Contains($"SHA-256      {agent.Host.Fingerprint}", tls.Stdout);

        // Every exercise whose client speaks first (HTTP, HTTPS, TLS, the HTTP upload), from a fresh process.
        await using var connect = Netlab.Start("connect", "127.0.0.1", "--port", agent.Port.ToString(), "--only", "tls,http,https,transfer", "--known-hosts", pins);
        await connect.WaitForExitAsync(60);
        connect.AssertExit(0);

        await using var nc = Netlab.Start("nc", "-C", "--ssl", "127.0.0.1", agent.Port.ToString());
        await nc.WaitForOutputAsync("over TLS");
        await nc.WriteAsync("q\n");
        await nc.WaitForExitAsync(30);
        nc.AssertExit(0);
        Assert.EndsWith("Bye!\r\n", nc.Stdout);
    }
}
