using System.Text.RegularExpressions;

namespace NetLab.Testing;

/// <summary>The netlab-agent executable as a separate process, for signals and the command line.</summary>
public static partial class AgentProcess
{
    /// <summary>The agent's build output, copied beside the tests by the project reference.</summary>
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "netlab-agent.dll");

    public static Tool Start(params string[] args) => Tool.Start("dotnet", [Dll, .. args]);

    /// <summary>Starts the agent on 127.0.0.1 port 0 and returns it with the port it printed.</summary>
    public static async Task<(Tool Agent, int Port)> StartOnLoopbackAsync(string dataDir, params string[] extra)
    {
        var agent = Start(["--bind", "127.0.0.1", "--port", "0", "--data-dir", dataDir, .. extra]);
        try
        {
            // The ready block reaches the pipe in 256-character pieces (the console's StreamWriter buffer):
            // wait for its last line, not "Ready.", or a test can read the block half-written.
            await agent.WaitForOutputAsync(ReadyBlockEnd, timeoutSeconds: 30);
            var port = int.Parse(Listening().Match(agent.Stdout).Groups[1].Value);
            return (agent, port);
        }
        catch
        {
            await agent.DisposeAsync(); // never leave an agent running behind a failed test
            throw;
        }
    }

    /// <summary>The last line of the agent's ready output (Program.cs).</summary>
    public const string ReadyBlockEnd = "in a browser";

    [GeneratedRegex(@"listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex Listening();
}
