using System.Buffers;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace NetLab.Agent.Connections;

/// <summary>
/// A memory pool of fixed-size pinned blocks, like Kestrel's own, with a block size of our choosing and a bound
/// on how many blocks it ever keeps alive.
/// </summary>
/// <remarks>
/// LIFO: the block returned last is rented next, so a few hot blocks serve most rents and the rest stay
/// untouched (their pages never become resident). Blocks come back to the pool up to <see cref="MaxRetained"/>;
/// past that the GC takes them. With <c>maxLive</c>, at most that many pooled blocks exist at once:
/// <see cref="TryRent"/> says no rather than allocate another, and <see cref="Rent"/> hands out a block the pool
/// does not keep.
/// </remarks>
public sealed class BlockMemoryPool(int blockSize, int maxRetained, int maxLive = int.MaxValue) : MemoryPool<byte>
{
    /// <summary>Kestrel's block size, and the agent's for everything but bulk receives.</summary>
    public const int SmallBlock = 4 * 1024;

    private readonly Block[] _free = new Block[maxRetained];
    private readonly Lock _gate = new();
    private int _freeCount;
    private int _live; // pooled blocks in existence: rented or free
    private bool _disposed;

    public int BlockSize { get; } = blockSize;

    public int MaxRetained { get; } = maxRetained;

    public override int MaxBufferSize => BlockSize;

    /// <summary>Blocks waiting in the pool (for tests and diagnostics).</summary>
    public int FreeCount
    {
        get
        {
            lock (_gate)
            {
                return _freeCount;
            }
        }
    }

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1) =>
        TryRent(minBufferSize, out var block) ? block : new Block(this, pooled: false);

    /// <summary>A pooled block, or false when <c>maxLive</c> blocks are out already.</summary>
    public bool TryRent(int minBufferSize, out IMemoryOwner<byte> block)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        Block? free = null;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_freeCount > 0)
            {
                free = _free[--_freeCount];
                _free[_freeCount] = null!;
            }
            else if (_live >= maxLive)
            {
                block = null!;
                return false;
            }
            else
            {
                _live++;
            }
        }

        free ??= new Block(this, pooled: true);
        free.Rented = true;
        block = free;
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        lock (_gate)
        {
            _disposed = true;
            Array.Clear(_free);
            _freeCount = 0;
        }
    }

    private void Return(Block block)
    {
        lock (_gate)
        {
            if (!_disposed && _freeCount < _free.Length)
            {
                _free[_freeCount++] = block;
                return;
            }

            _live--; // the GC takes it
        }
    }

    private sealed class Block : IMemoryOwner<byte>
    {
        private readonly BlockMemoryPool _pool;
        private readonly bool _pooled;

        public Block(BlockMemoryPool pool, bool pooled)
        {
            _pool = pool;
            _pooled = pooled;
            var array = GC.AllocateUninitializedArray<byte>(pool.BlockSize, pinned: pooled);
            Memory = pooled ? MemoryMarshal.CreateFromPinnedArray(array, 0, array.Length) : array;
        }

        public bool Rented { get; set; }

        public Memory<byte> Memory { get; }

        public void Dispose()
        {
            if (!_pooled || !Rented)
            {
                return; // not ours to keep, or returned twice: keep it out of the pool once
            }

            Rented = false;
            _pool.Return(this);
        }
    }
}

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
public sealed class AgentMemoryPool : MemoryPool<byte>
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

/// <summary>Gives Kestrel (its socket transport and its HTTP layer) <see cref="AgentMemoryPool"/>s.</summary>
public sealed class AgentMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new AgentMemoryPool();
}

/// <summary>
/// Put before <c>UseHttps</c>: TLS connections get 4 KiB blocks only. Kestrel's TLS layer rents a block for
/// every read it has outstanding on the SslStream, idle or not, so an idle TLS session must not sit on one of
/// the few large blocks.
/// </summary>
public sealed class TlsMemoryPool(ConnectionDelegate next) : IMemoryPoolFeature
{
    private static readonly BlockMemoryPool Pool = new(BlockMemoryPool.SmallBlock, AgentMemoryPool.MaxRetainedSmallBlocks);

    public MemoryPool<byte> MemoryPool => Pool;

    public Task OnConnectionAsync(ConnectionContext connection)
    {
        connection.Features.Set<IMemoryPoolFeature>(this);
        return next(connection);
    }
}
