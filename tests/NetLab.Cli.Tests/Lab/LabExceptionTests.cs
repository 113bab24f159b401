using System.Text;
using NetLab.Cli.Lab;

namespace NetLab.Cli.Tests.Lab;

/// <summary>Lab/ speaks protocols over any stream and says what surprised it in its own exceptions, not an exercise's.</summary>
public class LabExceptionTests
{
    [Fact]
    public async Task A_line_client_whose_peer_closes_says_what_it_saw_last()
    {
        await using var client = new LineClient(new MemoryStream(Encoding.UTF8.GetBytes("one\ntwo\nthree\nfour\nhalf")));
        var closed = await Assert.ThrowsAsync<PeerClosedException>(() => client.ReadLineMatchingAsync(l => l == "five", "the line \"five\"", CancellationToken.None));
        Assert.Equal("the line \"five\"", closed.Expected);
        Assert.Equal("\"two | three | four\", then the connection closed", closed.Got);
    }

    [Fact]
    public async Task A_line_longer_than_the_buffer_is_not_taken_for_a_closed_connection()
    {
        await using var client = new LineClient(new MemoryStream(new byte[100 * 1024]));
        var surprise = await Assert.ThrowsAsync<UnexpectedReplyException>(() => client.ReadLineMatchingAsync(_ => true, "a reply", CancellationToken.None));
        Assert.IsNotType<PeerClosedException>(surprise);
        Assert.Equal("more than 65536 bytes without a newline", surprise.Got);
    }

    [Fact]
    public async Task A_banner_that_is_not_the_agent_s_is_named()
    {
        await using var client = new LineClient(new MemoryStream(Encoding.UTF8.GetBytes("SSH-2.0-OpenSSH_9.6\r\nmore\n")));
        var surprise = await Assert.ThrowsAsync<UnexpectedReplyException>(() => client.ReadBannerAsync(CancellationToken.None));
        Assert.Equal("expected the banner a text session starts with \"Successfully Connected\", got \"SSH-2.0-OpenSSH_9.6\"", surprise.Message);
    }

    [Fact]
    public void A_reply_that_is_not_http_shows_its_first_line()
    {
        var surprise = Assert.Throws<UnexpectedReplyException>(() => RawHttp.Parse(Encoding.Latin1.GetBytes("Successfully Connected\r\nWhat?\r\n")));
        Assert.Equal("\"Successfully Connected\"", surprise.Got);
        Assert.Equal("nothing (the connection closed)", Assert.Throws<UnexpectedReplyException>(() => RawHttp.Parse([])).Got);
    }
}
