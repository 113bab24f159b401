using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NetLab.Testing;

namespace NetLab.Agent.Tests.Hosting;

/// <summary>What the agent does (and does not do) while it starts.</summary>
public class AgentStartupTests
{
    [Fact]
    public async Task The_agent_watches_no_files_for_configuration_changes()
    {
        // Each reloadOnChange source would start a FileSystemWatcher over the agent's folder at every start.
        await using var agent = await TestAgent.StartAsync();
        var configuration = (IConfigurationRoot)agent.Host.Services.GetRequiredService<IConfiguration>();
        var fileSources = configuration.Providers.OfType<FileConfigurationProvider>().Select(p => p.Source).ToList();

        Assert.NotEmpty(fileSources); // the slim builder's appsettings.json sources are there...
        Assert.All(fileSources, source => Assert.False(source.ReloadOnChange, $"{source.Path} reloads on change")); // ...unwatched
    }
}
