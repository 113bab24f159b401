using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using NetLab.Cli.Lab;
using NetLab.Cli.Netcat;

namespace NetLab.Cli.Tests.Netcat;

/// <summary>
/// The words for failures the loopback cannot stage (a dropped SYN, a name that does not resolve, an OpenSSL
/// alert): what netlab nc says for each exception .NET gives it. The ones loopback can stage run for real in
/// NetcatInteropTests.
/// </summary>
public class NetcatErrorsTests
{
    private static readonly NetcatOptions Connect = new("203.0.113.7", 11211, Listen: false, Ssl: false, Udp: false, SendOnly: false, RecvOnly: false,
        Crlf: false, KeepOpen: false, Verbose: false, Wait: TimeSpan.FromSeconds(2), Interval: TimeSpan.Zero);

    [Theory]
    [InlineData(SocketError.TimedOut, "connect to 203.0.113.7:11211: TIMEOUT (no answer within 2 s).")]
    [InlineData(SocketError.ConnectionRefused, "connect to 203.0.113.7:11211: Connection refused.")]
    [InlineData(SocketError.NetworkUnreachable, "connect to 203.0.113.7:11211: Network is unreachable.")]
    [InlineData(SocketError.HostUnreachable, "connect to 203.0.113.7:11211: No route to host.")]
    [InlineData(SocketError.HostNotFound, "Could not resolve hostname \"203.0.113.7\": Name or service not known.")]
    public void A_connect_failure_reads_as_ncat_s(SocketError code, string expected) =>
        Assert.Equal(expected, NetcatErrors.Describe(new SocketException((int)code), Connect));

    [Fact]
    public void A_listener_that_cannot_bind_says_bind_to()
    {
        var listen = Connect with { Host = "127.0.0.1", Listen = true };
        Assert.Equal("bind to 127.0.0.1:11211: Address already in use.", NetcatErrors.Describe(new SocketException((int)SocketError.AddressAlreadyInUse), listen));
        Assert.Equal("bind to port 11211: Permission denied.", NetcatErrors.Describe(new SocketException((int)SocketError.AccessDenied), listen with { Host = null }));
    }

    [Theory]
    [InlineData("Cannot determine the frame size or a corrupted frame was received.", "wrong version number (the other side does not speak TLS)")]
    [InlineData("Received an unexpected EOF or 0 bytes from the transport stream.", "unexpected eof while reading (the other side closed the connection during the handshake)")]
    [InlineData("SSL Handshake failed with OpenSSL error - SSL_ERROR_SSL.", "SSL Handshake failed with OpenSSL error - SSL_ERROR_SSL")]
    public void Tls_failures_use_openssl_s_words(string dotnet, string words) =>
        Assert.Equal(words, NetWords.Tls(new AuthenticationException("Authentication failed, see inner exception.", new IOException(dotnet))));

    [Fact]
    public void An_openssl_reason_is_taken_from_its_error_string_and_an_alert_is_named()
    {
        var openssl = new AuthenticationException("Authentication failed, see inner exception.",
            new InvalidOperationException("SSL Handshake failed with OpenSSL error - SSL_ERROR_SSL.", new InvalidOperationException("error:0A000410:SSL routines::sslv3 alert handshake failure")));
        Assert.Equal("sslv3 alert handshake failure", NetWords.Tls(openssl));
        Assert.Equal("the other side sent the TLS alert HandshakeFailure",
            NetWords.Tls(new AuthenticationException("Authentication failed because the remote party sent a TLS alert: 'HandshakeFailure'.")));
    }

    [Fact]
    public void Addresses_are_printed_as_people_write_them()
    {
        Assert.Equal("127.0.0.1:53412", NetcatErrors.Plain(new IPEndPoint(IPAddress.Parse("::ffff:127.0.0.1"), 53412)));
        Assert.Equal("[::1]:11211", NetcatErrors.Plain(new IPEndPoint(IPAddress.IPv6Loopback, 11211)));
        Assert.Equal("203.0.113.7:11211", Connect.Where);
        Assert.Equal("[2001:db8::7]:11211", (Connect with { Host = "2001:db8::7" }).Where);
    }
}
