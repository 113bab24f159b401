using System.Diagnostics;
using System.Text;

namespace NetLab.Testing;

/// <summary>What a command run to completion did: its exit code and both output streams.</summary>
public sealed record ToolRun(int Code, string Stdout, string Stderr)
{
    /// <summary>What it printed: stdout, then stderr.</summary>
    public string Output => Stdout + Stderr;

    /// <summary>The exit code and <see cref="Output"/>, as <c>var (code, output) = Tool.Run(...)</c>.</summary>
    public void Deconstruct(out int code, out string output)
    {
        code = Code;
        output = Output;
    }
}

/// <summary>
/// The tests' one way to run a process: a real client (nc, ncat, telnet, curl, openssl, wget) run as a student
/// would run it, a long-running one a test talks to (an agent, moto, a booted container), or a command run to
/// completion (<see cref="Run(string, IEnumerable{string}, string?, IReadOnlyDictionary{string, string}?, string?, int)"/>).
/// A missing tool fails the test loudly: the README's test command installs them all.
/// </summary>
public sealed class Tool : IAsyncDisposable
{
    private readonly Process _process;
    private readonly MemoryStream _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Task _pump;
    private readonly SemaphoreSlim _changed = new(0);
    private int _disposed;

    private Tool(Process process)
    {
        _process = process;
        _pump = Task.Run(PumpAsync);
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        _process.BeginErrorReadLine();
    }

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return Encoding.UTF8.GetString(_stdout.GetBuffer(), 0, (int)_stdout.Length);
            }
        }
    }

    public byte[] StdoutBytes
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToArray();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int Pid => _process.Id;

    /// <summary>The full path of a tool, or an exception that says how to get it.</summary>
    public static string Require(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':'))
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new InvalidOperationException(
            $"'{name}' is not installed, and this test drives the real tool. Run ./test.sh, which installs " +
            "ncat, netcat-openbsd, telnet, openssl, curl, wget, socat, iproute2 and nftables, or apt-get install it.");
    }

    public static Tool Start(string name, params string[] args) => Start(name, args, environment: null);

    /// <summary>Starts a process that keeps running, with <paramref name="environment"/> over this one's and in <paramref name="workingDirectory"/>; its stdin stays open until <see cref="CloseStdin"/>.</summary>
    public static Tool Start(string name, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment, string? workingDirectory = null) =>
        new(Launch(name, args, stdin: true, environment, workingDirectory));

    /// <summary>Runs a tool to completion with the given stdin (closed afterwards) and returns it.</summary>
    public static async Task<Tool> RunAsync(string name, string[] args, byte[]? stdin = null, int timeoutSeconds = 20)
    {
        var tool = Start(name, args);
        if (stdin is not null)
        {
            await tool.WriteAsync(stdin);
        }

        tool.CloseStdin();
        await tool.WaitForExitAsync(timeoutSeconds);
        return tool;
    }

    /// <summary>
    /// Runs a command to completion, synchronously (set-up and tear-down of test beds, builds, emulators' scripts):
    /// its exit code and both output streams. A missing tool fails loudly, as <see cref="Require"/> says.
    /// </summary>
    public static ToolRun Run(string name, params string[] args) => Run(name, (IEnumerable<string>)args);

    /// <summary>
    /// Runs a command to completion with <paramref name="stdin"/> (null: this process's own), <paramref name="environment"/>
    /// over this process's, in <paramref name="workingDirectory"/>; after <paramref name="timeoutSeconds"/> it is killed
    /// with every process it started, and the run fails.
    /// </summary>
    public static ToolRun Run(string name, IEnumerable<string> args, string? stdin = null, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null, int timeoutSeconds = 300)
    {
        using var process = Launch(name, args, stdin is not null, environment, workingDirectory);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }

        if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{name} {string.Join(' ', args)} took over {timeoutSeconds} s");
        }

        return new ToolRun(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs a shell pipeline, for the tutorial's exact commands (<c>printf ... | nc -q1 ...</c>).</summary>
    public static Task<Tool> ShellAsync(string command, int timeoutSeconds = 20) =>
        RunAsync("bash", ["-c", command], timeoutSeconds: timeoutSeconds);

    public async Task WriteAsync(string text) => await WriteAsync(Encoding.UTF8.GetBytes(text));

    public async Task WriteAsync(byte[] bytes)
    {
        await _process.StandardInput.BaseStream.WriteAsync(bytes);
        await _process.StandardInput.BaseStream.FlushAsync();
    }

    public void CloseStdin() => _process.StandardInput.Close();

    /// <summary>Sends the signal <paramref name="name"/> (INT, TERM) to the process, as <c>kill -NAME PID</c> does.</summary>
    public void Signal(string name) => Run("kill", $"-{name}", $"{Pid}");

    /// <summary>Waits until stdout contains <paramref name="text"/>; fails with what did arrive.</summary>
    public async Task WaitForOutputAsync(string text, int timeoutSeconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (!Stdout.Contains(text, StringComparison.Ordinal))
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"waited {timeoutSeconds} s for \"{text}\"; stdout so far:\n{Stdout}\nstderr:\n{Stderr}");
            }

            await _changed.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>Waits until stderr contains <paramref name="text"/>; fails with what did arrive.</summary>
    public async Task WaitForStderrAsync(string text, int timeoutSeconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (!Stderr.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"waited {timeoutSeconds} s for \"{text}\" on stderr; stderr so far:\n{Stderr}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Waits for the process to exit on its own; kills it and fails after the timeout.</summary>
    public async Task WaitForExitAsync(int timeoutSeconds = 20)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            await _pump;
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{_process.StartInfo.FileName} did not exit within {timeoutSeconds} s; stdout:\n{Stdout}\nstderr:\n{Stderr}");
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the process to exit on its own; false if it has not (it keeps running).</summary>
    public async Task<bool> TryWaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            await _pump;
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public int ExitCode => _process.ExitCode;

    /// <summary>Asserts the exit code; a failure shows what the tool printed (stdout, then stderr).</summary>
    public void AssertExit(int expected) =>
        Assert.True(ExitCode == expected, $"{Path.GetFileName(_process.StartInfo.FileName)} exited {ExitCode}, expected {expected}\nstdout:\n{Stdout}\nstderr:\n{Stderr}");

    public void Kill()
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return; // a test bed that tracks its processes may dispose one the test disposed already
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    /// <summary>Where every process of the tests starts: output (and stdin, when asked) redirected, a missing tool named.</summary>
    private static Process Launch(string name, IEnumerable<string> args, bool stdin, IReadOnlyDictionary<string, string>? environment, string? workingDirectory)
    {
        var info = new ProcessStartInfo(Require(name))
        {
            RedirectStandardInput = stdin,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return Process.Start(info)!;
    }

    private async Task PumpAsync()
    {
        var buffer = new byte[64 * 1024];
        var stream = _process.StandardOutput.BaseStream;
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            lock (_stdout)
            {
                _stdout.Write(buffer, 0, n);
            }

            _changed.Release();
        }
    }
}
