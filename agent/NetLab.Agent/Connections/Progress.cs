using System.IO.Pipelines;

namespace NetLab.Agent.Connections;

/// <summary>A client that stopped reading or sending for longer than <see cref="AgentLimits.StallTimeout"/>.</summary>
internal sealed class StalledException(string message) : IOException(message);

/// <summary>
/// Reads and flushes with a bound on how long they may make no progress: a client that never reads what it
/// asked for (/source, /bytes, a file), or stops sending in the middle of a transfer, is closed with a reason
/// instead of holding its connection for ever.
/// </summary>
internal static class Progress
{
    /// <summary>Flushes; throws <see cref="StalledException"/> when the client has not taken the bytes within <paramref name="stall"/>.</summary>
    public static ValueTask<FlushResult> FlushAsync(PipeWriter output, TimeSpan stall, TimeProvider time, CancellationToken cancellationToken) =>
        WithinAsync(output.FlushAsync, stall, time, "read nothing", cancellationToken);

    /// <summary>Reads; throws <see cref="StalledException"/> when nothing arrives within <paramref name="stall"/>.</summary>
    public static ValueTask<ReadResult> ReadAsync(PipeReader input, TimeSpan stall, TimeProvider time, CancellationToken cancellationToken) =>
        WithinAsync(input.ReadAsync, stall, time, "sent nothing", cancellationToken);

    private static async ValueTask<T> WithinAsync<T>(Func<CancellationToken, ValueTask<T>> operation, TimeSpan stall, TimeProvider time, string what, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(stall, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            return await operation(either.Token);
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new StalledException($"the client {what} for {stall.TotalSeconds:0} s");
        }
    }
}
