using NetLab.Agent.Capture;
using NetLab.Agent.Hosting;

namespace NetLab.Agent.Tests.Capture;

/// <summary>--capture: auto by default, off for an operator who wants none, anything else refused with a reason.</summary>
public class CaptureOptionTests
{
    [Theory]
    [InlineData(new string[0], CaptureMode.Auto)]
    [InlineData(new[] { "--capture", "auto" }, CaptureMode.Auto)]
    [InlineData(new[] { "--capture", "off" }, CaptureMode.Off)]
    public void Capture_is_auto_unless_turned_off(string[] args, CaptureMode expected)
    {
        AgentOptions? options = null;
        var command = AgentCommand.Create(o =>
        {
            options = o;
            return Task.FromResult(0);
        });
        Assert.Equal(0, command.Parse(args).Invoke());
        Assert.Equal(expected, options!.Capture);
    }

    [Fact]
    public void Anything_else_is_refused_with_a_reason()
    {
        var parsed = AgentCommand.Create(_ => Task.FromResult(0)).Parse(["--capture", "on"]);
        Assert.Contains(parsed.Errors, e => e.Message == "--capture: 'on' is not auto or off");
    }
}
