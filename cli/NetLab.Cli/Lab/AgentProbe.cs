using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace NetLab.Cli.Lab;

/// <summary>What the first connection to a would-be agent showed: an agent (with the round-trip time seen), or why not, in one sentence.</summary>
internal sealed record ProbeResult(TimeSpan Rtt, string? Problem, int ExitCode)
{
    public bool IsAgent => Problem is null;
}

/// <summary>
/// Before thirteen exercises, one look at the peer: a netlab-agent says "Successfully Connected" at once to a
/// client that speaks first. Anything else is named as exactly as it can be, within a few seconds: nothing
/// listening (refused), nothing answering (filtered), or a peer that is not an agent (silent, an echo server, a
/// web server, an ssh server), each with what to try next.
/// </summary>
internal static class AgentProbe
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(2.5);

    public static async Task<ProbeResult> ProbeAsync(string host, int port, CancellationToken ct)
    {
        var endpoint = Net.Endpoint(host, port);
        var clock = Stopwatch.StartNew();
        Socket socket;
        using (var connect = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            connect.CancelAfter(ConnectTimeout);
            try
            {
                socket = await Net.ConnectAsync(host, port, connect.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return Fail($"no answer from {endpoint} within {ConnectTimeout.TotalSeconds:0} s: the host is off, or a firewall drops TCP {port} on the way (the security group admits only its allowedCidr: is that still your address?). Try: `netlab ports {host}`", ExitCodes.UsageOrConnection);
            }
            catch (SocketException e)
            {
                return Fail(NetErrors.Describe(e, host, port), ExitCodes.UsageOrConnection);
            }
        }

        var rtt = clock.Elapsed;
        using (socket)
        {
            // Speak first, as a person who types at once: an agent answers with its banner without waiting out its sniff window.
            await socket.SendAsync("/whoami\n"u8.ToArray(), ct);
            var said = await ReadSomeAsync(socket, ct);
            if (said.StartsWith(LineClient.AgentBanner, StringComparison.Ordinal))
            {
                return new ProbeResult(rtt, null, ExitCodes.Success);
            }

            if (said.StartsWith("ERROR ", StringComparison.Ordinal))
            {
                // An agent that refuses this address for now (its egress budget) says so instead of its banner: its words,
                // whole, say why and what to do. The exercises would each meet the same refusal.
                return Fail($"{endpoint} is a netlab-agent, but it refuses your address for now: {said.Split('\n')[0].TrimEnd('\r')}", ExitCodes.CheckFailed);
            }

            var first = UnexpectedReplyException.Shorten(said.Split('\n')[0].TrimEnd('\r'), 60);
            var what = said.Length == 0 ? "no banner, and no answer at all (a silent listener, such as ncat -l?)"
                : said.StartsWith("/whoami", StringComparison.Ordinal) ? "no banner, and it sends back what it is sent (an echo server)"
                : said.StartsWith("HTTP/", StringComparison.Ordinal) ? $"no banner, and it answers in HTTP (\"{first}\"): a web server"
                : said.StartsWith("SSH-", StringComparison.Ordinal) ? $"it greets as an ssh server (\"{first}\")"
                : $"no banner: it said \"{first}\"";
            return Fail($"connected to {endpoint}, but this is not a netlab-agent: {what}. An agent says \"Successfully Connected\" at once; check the address and port (netlab-agent listens on 11211 unless told otherwise)", ExitCodes.CheckFailed);
        }

        static ProbeResult Fail(string problem, int exitCode) => new(TimeSpan.Zero, problem, exitCode);
    }

    /// <summary>What the peer sends within the answer timeout (up to a few KiB), as text; empty when nothing came.</summary>
    private static async Task<string> ReadSomeAsync(Socket socket, CancellationToken ct)
    {
        var buffer = new byte[4096];
        var received = 0;
        using var answer = CancellationTokenSource.CreateLinkedTokenSource(ct);
        answer.CancelAfter(AnswerTimeout);
        try
        {
            while (received < buffer.Length)
            {
                var n = await socket.ReceiveAsync(buffer.AsMemory(received), answer.Token);
                if (n == 0)
                {
                    break;
                }

                received += n;
                var text = Encoding.UTF8.GetString(buffer, 0, received);
                if (text.Contains('\n'))
                {
                    break; // a whole first line is enough to tell
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }
        catch (SocketException)
        {
            // Reset: what came before is what it said.
        }

        return Encoding.UTF8.GetString(buffer, 0, received);
    }
}
