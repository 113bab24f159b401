using System.Diagnostics;

namespace NetLab.Infra.Tests.Support;

/// <summary>Runs a command to completion, with output captured; a missing tool fails loudly.</summary>
public static class Shell
{
    public static (int Code, string Output) Run(string file, IEnumerable<string> args, string? workingDirectory = null, IDictionary<string, string>? env = null, int timeoutSeconds = 300)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Directory.GetCurrentDirectory(),
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"'{file}' could not be run ({e.Message}); ./test.sh installs what the tests need.", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeoutSeconds * 1000))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{file} {string.Join(' ', args)} took over {timeoutSeconds} s");
            }

            return (process.ExitCode, stdout.Result + stderr.Result);
        }
    }

    public static string RepositoryRoot() => NetLab.Infra.Host.AgentBinary.RepositoryRoot(AppContext.BaseDirectory);
}
