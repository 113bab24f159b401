using Microsoft.AspNetCore.Connections;

namespace NetLab.Agent.Closing;

/// <summary>
/// Closing on an error while the client is still sending: if unread bytes are in the socket when it
/// closes, the kernel answers with RST (RFC 9293 §3.6.1) and the client may lose the error line it has
/// not read yet. So before the close, read and drop what still arrives until the client has been quiet
/// for a moment (or closed), for at most a few seconds.
/// </summary>
internal static class LingeringClose
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Longest = TimeSpan.FromSeconds(3);

    public static async Task RunAsync(ConnectionContext connection, TimeProvider time, CancellationToken stopping)
    {
        var input = connection.Transport.Input;
        using var deadline = new CancellationTokenSource(Longest, time);
        using var longest = CancellationTokenSource.CreateLinkedTokenSource(stopping, deadline.Token);
        try
        {
            await connection.Transport.Output.FlushAsync(longest.Token);
            while (true)
            {
                using var pause = new CancellationTokenSource(Quiet, time);
                using var quiet = CancellationTokenSource.CreateLinkedTokenSource(longest.Token, pause.Token);
                var result = await input.ReadAsync(quiet.Token);
                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionResetException or ObjectDisposedException or InvalidOperationException)
        {
            // Quiet, out of time, or gone: close now.
        }
    }
}
