using System.Diagnostics;

namespace NetLab.Infra.Host;

/// <summary>
/// The agent as the lab host runs it: published self-contained, single-file, for the host's architecture,
/// before synth. The stack then ships that one file as a plain file asset: no bundling step, so nothing can
/// stage an empty or stale binary behind a source hash.
/// </summary>
public static class AgentBinary
{
    /// <summary>Publishes the agent for <paramref name="runtimeId"/> under the repository's .build folder and returns the file.</summary>
    public static string Publish(string repositoryRoot, string runtimeId)
    {
        var output = Path.Combine(repositoryRoot, ".build", "agent", runtimeId);
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                "publish", Path.Combine(repositoryRoot, "agent", "NetLab.Agent", "NetLab.Agent.csproj"),
                "-c", "Release", "-r", runtimeId, "--self-contained",
                "-p:PublishSingleFile=true", "-p:EnableCompressionInSingleFile=true", "-p:DebugType=none",
                "-o", output, "--nologo", "-v", "quiet",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var publish = Process.Start(info)!;
        var stdout = publish.StandardOutput.ReadToEndAsync();
        var stderr = publish.StandardError.ReadToEnd();
        publish.WaitForExit();
        if (publish.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish of the agent for {runtimeId} failed:\n{stdout.Result}{stderr}");
        }

        var binary = Path.Combine(output, "netlab-agent");
        if (!File.Exists(binary) || new FileInfo(binary).Length < 1_000_000)
        {
            throw new InvalidOperationException($"dotnet publish left no usable agent binary at {binary}");
        }

        return binary;
    }

    /// <summary>The folder holding NetLabCloud.sln, from <paramref name="start"/> upwards.</summary>
    public static string RepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NetLabCloud.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"NetLabCloud.sln not found above {start}: run cdk from the repository");
    }
}
