using System.Diagnostics;

namespace NetLab.Infra.Host;

/// <summary>
/// The agent as the lab host runs it: published self-contained, single-file, for the host's architecture,
/// before synth, with its own code precompiled (ReadyToRun) and the file uncompressed, so it starts without
/// compiling or unpacking anything (bench/startup: about 250 ms instead of 450). The stack ships it as a
/// folder asset, which the CDK zips for the upload (45 MB, less than the compressed single file) and
/// cfn-init unpacks on the host. No bundling step, so nothing can stage an empty or stale binary behind a
/// source hash.
/// </summary>
public static class AgentBinary
{
    /// <summary>The binary's name, in the shipped folder and on the host.</summary>
    public const string FileName = "netlab-agent";

    /// <summary>
    /// Publishes the agent for <paramref name="runtimeId"/> under the repository's .build folder and returns the
    /// folder to ship: the binary alone, as <see cref="FileName"/>.
    /// </summary>
    public static string Publish(string repositoryRoot, string runtimeId)
    {
        var output = Path.Combine(repositoryRoot, ".build", "agent", runtimeId);
        var published = Path.Combine(output, "publish");
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                "publish", Path.Combine(repositoryRoot, "agent", "NetLab.Agent", "NetLab.Agent.csproj"),
                "-c", "Release", "-r", runtimeId, "--self-contained",
                "-p:PublishSingleFile=true", "-p:PublishReadyToRun=true", "-p:DebugType=none",
                "-o", published, "--nologo", "-v", "quiet",
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

        var binary = Path.Combine(published, FileName);
        if (!File.Exists(binary) || new FileInfo(binary).Length < 1_000_000)
        {
            throw new InvalidOperationException($"dotnet publish left no usable agent binary at {binary}");
        }

        return Bundle(binary, Path.Combine(output, "bundle"));
    }

    /// <summary>Makes <paramref name="folder"/> hold <paramref name="binary"/> alone, named <see cref="FileName"/>; returns the folder.</summary>
    public static string Bundle(string binary, string folder)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        File.Copy(binary, Path.Combine(folder, FileName));
        return folder;
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
