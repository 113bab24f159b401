using System.Buffers;

namespace NetLab.Agent.Memory;

/// <summary>
/// Kestrel's memory pool in the agent: a few 1 MiB blocks first, then 4 KiB blocks, then plain 4 KiB arrays.
/// </summary>
/// <remarks>
/// Kestrel's socket transport receives into one pool block at a time, so the block size is the largest
/// <c>recv</c> it makes. With Kestrel's 4 KiB blocks, 512 MiB into <c>/discard</c> took 262,148 <c>recvfrom</c>
/// calls (half of them the zero-byte "wait for data" receive) and 2.5 s of agent CPU per GiB; with 1 MiB
/// blocks, 1,096 calls and 0.15-0.35 s per GiB (bench/ANALYSIS.md). Only the pages a receive writes become
/// resident, so a small request in a 1 MiB block costs no more RAM than in a 4 KiB one; but a burst of 10,000
/// connections would keep hundreds of them alive at once (476 MB of pinned heap, measured), so at most
/// <see cref="MaxLargeBlocks"/> exist and past them the rents get 4 KiB blocks. An idle connection holds no
/// block at all (the transport waits for data before it rents one).
/// </remarks>
internal sealed class AgentMemoryPool : MemoryPool<byte>
{
    /// <summary>The large block: 1 MiB, as iperf3 reads.</summary>
    public const int LargeBlock = 1024 * 1024;

    /// <summary>At most 32 MiB of large blocks, all of them kept.</summary>
    public const int MaxLargeBlocks = 32;

    /// <summary>At most 4 MiB of small blocks pooled.</summary>
    public const int MaxRetainedSmallBlocks = 1024;

    public BlockMemoryPool Large { get; } = new(LargeBlock, MaxLargeBlocks, maxLive: MaxLargeBlocks);

    // Past its 1,024 blocks, the small tier hands out ordinary arrays: a burst's extra blocks die young in gen0
    // instead of waiting in the pinned heap for a full collection.
    public BlockMemoryPool Small { get; } = new(BlockMemoryPool.SmallBlock, MaxRetainedSmallBlocks, maxLive: MaxRetainedSmallBlocks);

    public override int MaxBufferSize => LargeBlock;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (Large.TryRent(minBufferSize, out var block))
        {
            return block;
        }

        return minBufferSize <= Small.BlockSize ? Small.Rent(minBufferSize) : Large.Rent(minBufferSize);
    }

    protected override void Dispose(bool disposing)
    {
        Large.Dispose();
        Small.Dispose();
    }
}
