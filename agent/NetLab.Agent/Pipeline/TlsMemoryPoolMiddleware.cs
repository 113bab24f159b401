using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using NetLab.Agent.Memory;

namespace NetLab.Agent.Pipeline;

/// <summary>
/// Put before <c>UseHttps</c>: TLS connections get 4 KiB blocks only. Kestrel's TLS layer rents a block for
/// every read it has outstanding on the SslStream, idle or not, so an idle TLS session must not sit on one of
/// the few large blocks.
/// </summary>
internal sealed class TlsMemoryPoolMiddleware(ConnectionDelegate next) : IMemoryPoolFeature
{
    private static readonly BlockMemoryPool Pool = new(BlockMemoryPool.SmallBlock, AgentMemoryPool.MaxRetainedSmallBlocks);

    public MemoryPool<byte> MemoryPool => Pool;

    public Task OnConnectionAsync(ConnectionContext connection)
    {
        connection.Features.Set<IMemoryPoolFeature>(this);
        return next(connection);
    }
}
