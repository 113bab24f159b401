using System.Net.Sockets;
using System.Text;
using NetLab.Testing;

namespace NetLab.Agent.Tests.Hosting;

/// <summary>
/// Type=notify: started with a NOTIFY_SOCKET (as systemd starts a notify service), the agent says READY=1 once it
/// listens and STOPPING=1 on SIGTERM, even where it cannot see its parent (ProtectProc=invisible; here its parent
/// is the test, not systemd at all). The boot rehearsal checks the same under a real systemd.
/// </summary>
[Trait("Loop", "Slow")] // starts netlab-agent processes
public sealed class SystemdNotifyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("netlab-notify-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task With_a_notify_socket_the_agent_says_ready_once_it_listens_and_stopping_on_SIGTERM()
    {
        var path = Path.Combine(_dir, "notify");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        await using var agent = Tool.Start("env", $"NOTIFY_SOCKET={path}", "dotnet", AgentProcess.Dll, "--bind", "127.0.0.1", "--port", "0", "--data-dir", Path.Combine(_dir, "data"));

        var ready = await ReceiveAsync(socket);
        Assert.Contains("READY=1", ready);
        await agent.WaitForOutputAsync(AgentProcess.ReadyBlockEnd, timeoutSeconds: 30); // it listens

        (await Tool.RunAsync("kill", ["-TERM", $"{agent.Pid}"])).AssertExit(0);
        Assert.Contains("STOPPING=1", await ReceiveAsync(socket));
        await agent.WaitForExitAsync(timeoutSeconds: 15);
        agent.AssertExit(0);
    }

    private static async Task<string> ReceiveAsync(Socket socket)
    {
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }
}
