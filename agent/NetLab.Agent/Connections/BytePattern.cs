using System.Buffers;
using System.IO.Pipelines;
using NetLab.Agent.Connections;

namespace NetLab.Agent.Connections;

/// <summary>Bytes sent in bulk: generated ones for <c>/source N</c> and <c>/bytes/{n}</c>, and a stored file's.</summary>
internal static class BytePattern
{
    private const int ChunkSize = 64 * 1024;

    // Printable, repeating, cheap to send: 63 letters and a newline.
    private static readonly byte[] Block = Enumerable.Range(0, ChunkSize)
        .Select(i => (byte)(i % 64 == 63 ? '\n' : 'A' + (i % 64 % 26)))
        .ToArray();

    /// <summary>
    /// Writes <paramref name="count"/> pattern bytes, flushing per 64 KiB so memory stays flat; a client that
    /// reads nothing for <paramref name="stall"/> gets <see cref="StalledException"/>.
    /// </summary>
    public static async Task WriteAsync(PipeWriter output, long count, TimeSpan stall, TimeProvider time, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            var n = (int)Math.Min(count, Block.Length);
            output.Write(Block.AsSpan(0, n));
            var flush = await Progress.FlushAsync(output, stall, time, cancellationToken);
            if (flush.IsCompleted || flush.IsCanceled)
            {
                return;
            }

            count -= n;
        }
    }

    /// <summary>Copies a file to the connection in 64 KiB chunks, under the same stall rule.</summary>
    public static async Task CopyAsync(Stream file, PipeWriter output, TimeSpan stall, TimeProvider time, CancellationToken cancellationToken)
    {
        while (true)
        {
            var memory = output.GetMemory(ChunkSize);
            var n = await file.ReadAsync(memory, cancellationToken);
            if (n == 0)
            {
                await Progress.FlushAsync(output, stall, time, cancellationToken);
                return;
            }

            output.Advance(n);
            var flush = await Progress.FlushAsync(output, stall, time, cancellationToken);
            if (flush.IsCompleted || flush.IsCanceled)
            {
                return;
            }
        }
    }
}
