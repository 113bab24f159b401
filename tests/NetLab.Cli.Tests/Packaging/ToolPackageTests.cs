using NetLab.Testing;

namespace NetLab.Cli.Tests.Packaging;

/// <summary>netlab as users install it: dotnet pack, dotnet tool install from that package, then netlab lab.</summary>
[Trait("Loop", "Slow")] // dotnet pack and a tool install
public sealed class ToolPackageTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("netlab-tool-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task The_packed_tool_installs_and_runs_the_lab()
    {
        var root = Repository.Root;
        var packages = Path.Combine(_work, "packages");
        var tools = Path.Combine(_work, "tools");

        // A private NuGet cache: an earlier build of the same version must not stand in for this one.
        var env = $"NUGET_PACKAGES='{Path.Combine(_work, "nuget")}' DOTNET_CLI_TELEMETRY_OPTOUT=1";
        var pack = await Tool.ShellAsync($"cd '{root}' && {env} dotnet pack cli/NetLab.Cli -c Release -o '{packages}' --nologo 2>&1", 300);
        pack.AssertExit(0);
        Assert.Single(Directory.GetFiles(packages, "NetLab.Cli.*.nupkg"));

        var install = await Tool.ShellAsync($"{env} dotnet tool install NetLab.Cli --tool-path '{tools}' --add-source '{packages}' 2>&1", 300);
        install.AssertExit(0);

        var lab = await Tool.RunAsync(Path.Combine(tools, "netlab"), ["lab", "--json"], timeoutSeconds: 120);
        lab.AssertExit(0);
        var report = System.Text.Json.JsonDocument.Parse(lab.Stdout).RootElement;
        Assert.Equal(13, report.GetProperty("passed").GetInt32());
    }
}
