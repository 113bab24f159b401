using NetLab.Agent.Hosting;
using NetLab.Agent.Text;

namespace NetLab.Agent.Tests.Text;

public class ParsingTests
{
    [Theory]
    [InlineData("1000", 1000L)]
    [InlineData("64K", 65536L)]
    [InlineData("10m", 10485760L)]
    [InlineData("2G", 2147483648L)]
    public void Byte_sizes_read_as_typed(string text, long bytes)
    {
        Assert.True(ByteSize.TryParse(text, out var n));
        Assert.Equal(bytes, n);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-5")]
    [InlineData("1.5M")]
    [InlineData("lots")]
    [InlineData("99999999999999999999G")]
    public void Bad_byte_sizes_are_refused(string text) => Assert.False(ByteSize.TryParse(text, out _));

    [Theory]
    [InlineData("300ms", 300)]
    [InlineData("2s", 2000)]
    [InlineData("1.5s", 1500)]
    [InlineData("10m", 600_000)]
    [InlineData("1h", 3_600_000)]
    public void Durations_read_as_typed(string text, int milliseconds)
    {
        Assert.True(Durations.TryParse(text, out var d));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), d);
    }

    [Theory]
    [InlineData("300")]
    [InlineData("soon")]
    [InlineData("")]
    public void Bad_durations_are_refused(string text) => Assert.False(Durations.TryParse(text, out _));
}
