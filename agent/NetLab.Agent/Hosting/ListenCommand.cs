using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NetLab.Agent.Hosting;

/// <summary>
/// <c>netlab-agent listen</c>: the tutorial's last step, <c>nc -l 11211</c> on the lab host, while the agent keeps
/// port 11211. It asks the local agent (over loopback) to hand it the next plain connection from one address,
/// by default the ssh client's own ($SSH_CLIENT), and then is that connection's other end, as ncat -l is: what
/// arrives goes to stdout, what is typed goes back, Ctrl-D half-closes, the other side's EOF ends it (exit 0, after
/// half a second for what is already typed, as socat's closing phase).
/// Connections from anyone else (the internet's scanners, a classmate) are the agent's, served as usual.
/// </summary>
internal static class ListenCommand
{
    /// <summary>Exit status when the agent is not there or refuses the wait.</summary>
    public const int Failed = 1;

    /// <summary>Exit status for a usage mistake (no address to wait for).</summary>
    public const int Usage = 2;

    public static Command Create()
    {
        var from = new Option<IPAddress>("--from")
        {
            Description = "The one address whose next connection comes to this terminal (default: your own, the address in $SSH_CLIENT)",
            HelpName = "address",
            CustomParser = r => IPAddress.TryParse(r.Tokens[0].Value, out var ip) ? ip : OptionParsers.Fail<IPAddress>(r, $"--from: '{r.Tokens[0].Value}' is not an IP address"),
        };
        var port = OptionParsers.Port("--port", $"The agent's port on this host (default {LabPorts.Agent})", aliases: "-p");
        var command = new Command("listen",
            "Be the other end of the next connection from your own address, like nc -l 11211, while the agent keeps port 11211.\n\n" +
            "On the lab host (after ssh):   netlab-agent listen\n" +
            "On your laptop:                nc <public ip> 11211\n" +
            "Then type in either terminal: each line appears in the other. Ctrl-D sends EOF; when the laptop's nc\n" +
            "closes, listen exits. Only a connection from the address in $SSH_CLIENT (or --from) comes here;\n" +
            "everyone else gets the lab as usual. Without the agent: sudo systemctl stop netlab-agent; nc -l 11211\n" +
            "(then sudo systemctl start netlab-agent).")
        {
            from, port,
        };
        command.SetAction((r, ct) => RunAsync(
            r.GetValue(from), r.ValueOr(port, LabPorts.Agent), Environment.GetEnvironmentVariable("SSH_CLIENT"),
            Console.OpenStandardInput(), Console.OpenStandardOutput(), Console.Error, ct));
        return command;
    }

    /// <summary>The whole run: the wait, then the bridge. Messages go to <paramref name="stderr"/>, the other side's bytes alone to <paramref name="stdout"/>.</summary>
    public static async Task<int> RunAsync(IPAddress? from, int port, string? sshClient, Stream stdin, Stream stdout, TextWriter stderr, CancellationToken ct)
    {
        from ??= FromSshClient(sshClient);
        if (from is null)
        {
            await stderr.WriteLineAsync("netlab-agent listen: whose connection should come here? $SSH_CLIENT is not set (not an ssh login): pass --from ADDRESS, the address your nc connects from");
            return Usage;
        }

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var connecting = CancellationTokenSource.CreateLinkedTokenSource(ct);
            connecting.CancelAfter(TimeSpan.FromSeconds(5));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), connecting.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            await stderr.WriteLineAsync(
                $"netlab-agent listen: the agent does not answer on 127.0.0.1:{port} ({(e is SocketException s ? s.SocketErrorCode : "timed out")}). " +
                "Start it (sudo systemctl start netlab-agent), or do without it: sudo systemctl stop netlab-agent; nc -l " + port);
            return Failed;
        }

        await socket.SendAsync(Encoding.ASCII.GetBytes($"/listen {from}\n"), SocketFlags.None, ct);
        var reply = await ReadReplyAsync(socket, TimeSpan.FromSeconds(10), ct);
        if (reply is null || !reply.StartsWith("OK ", StringComparison.Ordinal))
        {
            await stderr.WriteLineAsync($"netlab-agent listen: {(reply is null ? $"the agent on port {port} did not take the wait" : reply.StartsWith("ERROR ", StringComparison.Ordinal) ? reply[6..] : reply)}");
            return Failed;
        }

        await stderr.WriteLineAsync($"netlab-agent listen: waiting on port {port} for the next connection from {from} (on that machine: nc <this host's public ip> {port}); other addresses get the lab as usual. Ctrl-C stops.");
        var connected = await ReadReplyAsync(socket, timeout: null, ct);
        if (connected is null || !connected.StartsWith("OK connection from ", StringComparison.Ordinal))
        {
            await stderr.WriteLineAsync($"netlab-agent listen: the agent ended the wait{(connected is null ? " (is it stopping?)" : ": " + connected)}");
            return Failed;
        }

        await stderr.WriteLineAsync($"netlab-agent listen: connection from {connected["OK connection from ".Length..]}");
        return await BridgeAsync(socket, stdin, stdout, ct);
    }

    /// <summary>ssh sets SSH_CLIENT to "client-address client-port server-port".</summary>
    public static IPAddress? FromSshClient(string? sshClient) =>
        sshClient?.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var address, ..] && IPAddress.TryParse(address, out var ip) ? ip : null;

    private static async Task<int> BridgeAsync(Socket socket, Stream stdin, Stream stdout, CancellationToken ct)
    {
        var toTerminal = Task.Run(async () =>
        {
            var buffer = new byte[16 * 1024];
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0)
            {
                await stdout.WriteAsync(buffer.AsMemory(0, n), ct);
                await stdout.FlushAsync(ct);
            }
        }, ct);
        var fromTerminal = Task.Run(async () =>
        {
            var buffer = new byte[16 * 1024];
            try
            {
                int n;
                while ((n = await stdin.ReadAsync(buffer, ct)) > 0)
                {
                    await socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, ct);
                }

                socket.Shutdown(SocketShutdown.Send); // Ctrl-D: EOF to the other side, which may still answer
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException or IOException)
            {
                // The other side is gone; the receiving half says how it ended.
            }
        }, ct);

        try
        {
            await toTerminal; // the other side's EOF ends it, as ncat -l ends
        }
        catch (SocketException)
        {
            return 0; // a reset: the other side is gone, as nc -l would end
        }

        // What is already typed (or piped) still goes out, as socat's half-second closing phase lets it.
        await Task.WhenAny(fromTerminal, Task.Delay(TimeSpan.FromMilliseconds(500), CancellationToken.None));
        return 0;
    }

    /// <summary>One CRLF line from the agent, read a byte at a time so that nothing after it is taken; null at EOF or timeout.</summary>
    private static async Task<string?> ReadReplyAsync(Socket socket, TimeSpan? timeout, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (timeout is { } t)
        {
            limit.CancelAfter(t);
        }

        var line = new StringBuilder();
        var one = new byte[1];
        try
        {
            while (true)
            {
                if (await socket.ReceiveAsync(one, SocketFlags.None, limit.Token) == 0)
                {
                    return null;
                }

                if (one[0] == '\n')
                {
                    var text = line.ToString().TrimEnd('\r');
                    if (text.StartsWith("OK ", StringComparison.Ordinal) || text.StartsWith("ERROR ", StringComparison.Ordinal))
                    {
                        return text;
                    }

                    line.Clear(); // the banner
                    continue;
                }

                if (line.Length < 4096)
                {
                    line.Append((char)one[0]);
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }
}
