using System.Diagnostics;

namespace NetLab.Cli.Cloud;

/// <summary>
/// The repository's own CDK CLI (<c>npx cdk</c>, pinned in package-lock.json), run in the repository for
/// <c>netlab up</c> and <c>netlab down</c>. NETLAB_CDK replaces the command (the tests' stand-in).
/// </summary>
internal sealed class Cdk(CliIO io, string repository)
{
    /// <summary>The command line the CDK is started with.</summary>
    public string Command => io.Environment("NETLAB_CDK") is { Length: > 0 } cdk ? cdk : "npx cdk";

    /// <summary>The NetLabCloud repository above <paramref name="start"/> (where cdk.json is), or null.</summary>
    public static string? FindRepository(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "cdk.json")) && File.Exists(Path.Combine(dir.FullName, "NetLabCloud.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    /// <summary>
    /// Runs <c>cdk ARGS</c> in the repository for <paramref name="region"/>. Its output (the deploy's progress)
    /// goes to the terminal as it comes; with <paramref name="quiet"/> (--json) it is kept, and returned.
    /// </summary>
    public async Task<(int ExitCode, string Output)> RunAsync(IReadOnlyList<string> args, string region, bool quiet, CancellationToken ct)
    {
        var parts = Command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var info = new ProcessStartInfo(parts[0])
        {
            WorkingDirectory = repository,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in parts.Skip(1).Concat(args).Append("--no-notices"))
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["AWS_REGION"] = region;
        info.Environment["CDK_DEFAULT_REGION"] = region;
        info.Environment["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20";
        // The CLI asks the internet for notices (--no-notices above), a newer version and telemetry on every run: none of that.
        info.Environment["CDK_DISABLE_VERSION_CHECK"] = "1";
        info.Environment["CDK_DISABLE_CLI_TELEMETRY"] = "true";
        // jsii leaves ~66 MB in TMPDIR per run: give it its own, removed afterwards.
        var tmp = Directory.CreateTempSubdirectory("netlab-cdk-").FullName;
        info.Environment["TMPDIR"] = tmp;
        if (!quiet)
        {
            io.Out.WriteLine($"$ {Command} {string.Join(' ', args)}");
        }

        var kept = new System.Text.StringBuilder();
        try
        {
            using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {parts[0]}");
            void Line(string? line)
            {
                if (line is null)
                {
                    return;
                }

                lock (kept)
                {
                    kept.AppendLine(line);
                    if (!quiet)
                    {
                        io.Out.WriteLine(line);
                        io.Out.Flush();
                    }
                }
            }

            process.OutputDataReceived += (_, e) => Line(e.Data);
            process.ErrorDataReceived += (_, e) => Line(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                await process.WaitForExitAsync(ct);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true); // Ctrl-C: CloudFormation carries on or rolls back by itself
                throw;
            }

            process.WaitForExit(); // the last lines of output
            return (process.ExitCode, kept.ToString());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (127, $"could not run {parts[0]}: {e.Message} (the CDK comes with the repository: run ./run.sh once, or npm ci)");
        }
        finally
        {
            try
            {
                Directory.Delete(tmp, recursive: true);
            }
            catch (IOException)
            {
                // Something the CDK started still holds it; the system's tmp cleaner has it.
            }
        }
    }
}
