using System.Text.Json;
using NetLab.Testing;

namespace NetLab.Cli.Tests.Support;

/// <summary>One netlab invocation's outcome.</summary>
public sealed record NetlabRun(int ExitCode, string Out, string Error)
{
    public JsonElement Json => JsonDocument.Parse(Out).RootElement;

    /// <summary>Asserts the exit code; a mismatch shows what netlab printed, so a failure in CI explains itself.</summary>
    public void AssertExit(int expected) =>
        Assert.True(ExitCode == expected, $"netlab exited {ExitCode}, expected {expected}\n--- stdout\n{Out}\n--- stderr\n{Error}");
}

/// <summary>Runs netlab in-process (output captured through injected writers) or as a real process.</summary>
public static class Netlab
{
    public static Task<NetlabRun> RunAsync(params string[] args) => RunAsync(width: null, CancellationToken.None, args);

    /// <summary>In-process, with <paramref name="environment"/> over the process's own (for this run alone: tests run in parallel).</summary>
    public static Task<NetlabRun> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        RunCoreAsync(width: null, environment, args, CancellationToken.None);

    /// <summary>In-process, laid out for a console <paramref name="width"/> columns wide, with <paramref name="environment"/> over the process's own.</summary>
    public static Task<NetlabRun> RunAsync(int width, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        RunCoreAsync(width, environment, args, CancellationToken.None);

    /// <summary>In-process, laid out for a console <paramref name="width"/> columns wide (null: as for a pipe); <paramref name="ct"/> is Ctrl-C.</summary>
    public static Task<NetlabRun> RunAsync(int? width, CancellationToken ct, params string[] args) =>
        RunCoreAsync(width, new Dictionary<string, string>(), args, ct);

    private static async Task<NetlabRun> RunCoreAsync(int? width, IReadOnlyDictionary<string, string> environment, string[] args, CancellationToken ct)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var io = new CliIO(output, error, isTerminal: false, width: width,
            environment: name => environment.TryGetValue(name, out var value) ? value : Environment.GetEnvironmentVariable(name));
        var code = await NetlabApp.RunAsync(args, io, ct);
        return new NetlabRun(code, output.ToString(), error.ToString());
    }

    /// <summary>Ctrl-C for a netlab process: SIGINT, as the terminal sends it.</summary>
    public static Task InterruptAsync(Tool netlab)
    {
        netlab.Signal("INT");
        return Task.CompletedTask;
    }

    /// <summary>The path of the netlab executable's dll beside the tests, for shell command lines.</summary>
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "netlab.dll");

    /// <summary>The netlab executable beside the tests, as a process (for nc's stdin and stdout).</summary>
    /// <remarks>
    /// Through coreutils' <c>env --default-signal=INT</c>: a test run started in the background without job control
    /// (<c>./test.sh &amp;</c>, nohup, some CI runners) has SIGINT ignored, every child inherits that, and .NET leaves
    /// an ignored SIGINT ignored, so <see cref="InterruptAsync"/> would never reach netlab. A terminal's Ctrl-C always does.
    /// </remarks>
    public static Tool Start(params string[] args) =>
        Tool.Start("env", ["--default-signal=INT", "dotnet", Dll, .. args]);

    /// <summary>A port that was free a moment ago, for listeners (ncat) that cannot report port 0.</summary>
    public static int FreePort(System.Net.Sockets.SocketType type = System.Net.Sockets.SocketType.Stream)
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, type,
            type == System.Net.Sockets.SocketType.Stream ? System.Net.Sockets.ProtocolType.Tcp : System.Net.Sockets.ProtocolType.Udp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return ((System.Net.IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
