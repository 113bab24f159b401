using NetLab.Testing;
using NetLab.Agent.Hosting;

namespace NetLab.Agent.Tests.Hosting;

/// <summary>Every limit has its option, its default exists once (in AgentLimits), and docs/agent.md says so.</summary>
public class LimitOptionsTests
{
    [Fact]
    public void Every_limit_has_one_option_and_every_option_reads_its_default_back()
    {
        var properties = typeof(AgentLimits).GetProperties().Select(p => p.Name).ToList();
        Assert.Equal(properties.Count, LimitOptions.All.Count);
        Assert.Equal(LimitOptions.All.Count, LimitOptions.All.Select(o => o.Name).Distinct().Count());

        foreach (var option in LimitOptions.All)
        {
            // The default as the help and docs/agent.md write it, given on the command line, is the default itself.
            var parsed = AgentCommand.Create(_ => Task.FromResult(0)).Parse([option.Name, option.DefaultText]);
            Assert.Empty(parsed.Errors);
            Assert.Equal(new AgentLimits(), LimitOptions.From(parsed));
        }
    }

    [Fact]
    public void Options_change_their_limit_and_only_it()
    {
        var parsed = AgentCommand.Create(_ => Task.FromResult(0)).Parse(["--egress-per-day", "2G", "--stall-timeout", "5s", "--max-files", "7"]);
        Assert.Equal(new AgentLimits { EgressPerDay = 2L << 30, StallTimeout = TimeSpan.FromSeconds(5), MaxFiles = 7 }, LimitOptions.From(parsed));
    }

    [Fact]
    public void Trusted_takes_IPv4_and_IPv6_networks_repeatedly_and_refuses_anything_else_with_a_reason()
    {
        AgentOptions? options = null;
        var command = AgentCommand.Create(o =>
        {
            options = o;
            return Task.FromResult(0);
        });
        Assert.Equal(0, command.Parse(["--trusted", "198.51.100.0/24", "--trusted", "2001:db8::/48"]).Invoke());
        Assert.Equal(["198.51.100.0/24", "2001:db8::/48"], options!.Trusted.Select(n => n.ToString()));
        Assert.Empty(new AgentOptions().Trusted); // default: nobody but loopback

        var bad = command.Parse(["--trusted", "campus"]);
        Assert.Contains(bad.Errors, e => e.Message.Contains("--trusted: 'campus' is not a network such as 198.51.100.0/24", StringComparison.Ordinal));
    }

    [Fact]
    public void The_agent_docs_list_every_limit_with_its_default()
    {
        var docs = File.ReadAllText(Path.Combine(Repository.Root, "docs", "agent.md"));
        foreach (var option in LimitOptions.All)
        {
            Assert.Contains($"| `{option.Name}` | {option.DefaultText} |", docs);
        }
    }
}
