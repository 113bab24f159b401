using System.Net;
using System.Net.Sockets;
using System.Text;
using NetLab.Testing;
using NetLab.Cli.Lab;

namespace NetLab.Cli.Tests.Lab;

/// <summary>
/// A request that reaches the agent after its sniff window (over a lossy path: the segment lost, then sent again
/// one retransmission timeout later) gets the text banner first, then its answer: netlab reads the answer and says so.
/// </summary>
public sealed class RawHttpTests
{
    [Fact]
    public async Task A_request_that_arrives_after_the_sniff_window_is_answered_after_the_banner()
    {
        await using var agent = await TestAgent.StartAsync(sniffTimeout: TimeSpan.FromMilliseconds(100));
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, agent.Port);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        Assert.True(socket.Poll(TimeSpan.FromSeconds(5), SelectMode.SelectRead)); // the window passed: the agent spoke first
        var response = await RawHttp.ExchangeAsync(stream, RawHttp.Request("GET", "/index/Adam", "127.0.0.1"), CancellationToken.None);

        Assert.True(response.AfterBanner);
        Assert.Equal(200, response.Status);
        Assert.Contains("Hello, Adam!", response.BodyText);
    }

    [Fact]
    public void A_reply_parsed_after_the_banner_keeps_the_banner_in_its_raw_text()
    {
        var reply = "Successfully Connected\r\nnetlab-agent 0.1.0 on lab; you are 198.18.0.9:5000.\r\nHTTP/1.1 301 Moved Permanently\r\nLocation: /\r\nContent-Length: 0\r\n\r\n";
        var response = RawHttp.Parse(Encoding.Latin1.GetBytes(reply));
        Assert.True(response.AfterBanner);
        Assert.Equal(301, response.Status);
        Assert.Equal("/", response.Header("Location"));
        Assert.StartsWith("Successfully Connected\r\n", response.Raw);
        Assert.False(RawHttp.Parse(Encoding.Latin1.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")).AfterBanner);
    }

    [Fact]
    public void A_banner_with_no_answer_after_it_is_still_not_http()
    {
        var surprise = Assert.Throws<UnexpectedReplyException>(() => RawHttp.Parse(Encoding.Latin1.GetBytes("Successfully Connected\r\nnetlab-agent 0.1.0\r\nWhat?\r\n")));
        Assert.Equal("\"Successfully Connected\"", surprise.Got);
    }
}
