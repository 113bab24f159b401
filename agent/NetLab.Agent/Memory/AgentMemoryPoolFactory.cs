using System.Buffers;
using Microsoft.AspNetCore.Connections;

namespace NetLab.Agent.Memory;

/// <summary>Gives Kestrel (its socket transport and its HTTP layer) <see cref="AgentMemoryPool"/>s.</summary>
internal sealed class AgentMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new AgentMemoryPool();
}
