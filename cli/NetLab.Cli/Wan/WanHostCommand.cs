using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using NetLab.Agent;
using NetLab.Agent.Hosting;

namespace NetLab.Cli.Wan;

/// <summary>
/// <c>netlab wan-host</c> (hidden): what runs inside the lab host's namespace for <c>netlab lab --wan</c>. The
/// agent on every address, port 11211, with the limits it has on a cloud host, and a stand-in for sshd on 22 (it
/// sends an ssh greeting, so the ports exercise sees 22 open, as on EC2). Prints READY and its fingerprint, and
/// dies with its parent.
/// </summary>
internal static class WanHostCommand
{
    public const string Name = "wan-host";

    /// <summary>How to run this command from the process that is running now (the tool, dotnet netlab.dll, or a test host).</summary>
    public static string[] Invocation()
    {
        var self = Environment.ProcessPath ?? "dotnet";
        var dll = Path.Combine(AppContext.BaseDirectory, "netlab.dll"); // beside the running app (a test host loads it from there too)
        return Path.GetFileNameWithoutExtension(self) switch
        {
            "dotnet" => [self, dll, Name],
            "netlab" => [self, Name],
            _ => ["dotnet", dll, Name],
        };
    }

    public static Command Create(CliIO io)
    {
        var dataDir = new Option<string>("--data-dir") { Required = true, Description = "Where the agent keeps its files" };
        var command = new Command(Name, "Run the lab host of netlab lab --wan (inside its network namespace)") { dataDir };
        command.Hidden = true;
        command.SetAction(async (r, ct) =>
        {
            LinuxHost.DieWithParent();
            await using var agent = await AgentHost.StartAsync(new AgentOptions
            {
                Bind = IPAddress.Any,
                Port = LabPorts.Agent,
                DataDir = r.GetValue(dataDir)!,
                ConfigureLogging = logging => logging.ClearProviders(),
            }, ct);
            using var ssh = new TcpListener(IPAddress.Any, LabPorts.Ssh);
            ssh.Start();
            _ = StandInForSshAsync(ssh, ct);
            await io.Out.WriteLineAsync($"READY {agent.Fingerprint}");
            await io.Out.FlushAsync(ct);
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task StandInForSshAsync(TcpListener listener, CancellationToken ct)
    {
        var greeting = Encoding.ASCII.GetBytes("SSH-2.0-OpenSSH_9.6 netlab-lab-host-stand-in\r\n");
        while (!ct.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(ct);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                using (client)
                {
                    try
                    {
                        await client.SendAsync(greeting, ct);
                        client.Shutdown(SocketShutdown.Send);
                    }
                    catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
                    {
                    }
                }
            }, ct);
        }
    }
}
