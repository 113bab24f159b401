using System.Buffers;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace NetLab.Agent.Connections;

/// <summary>
/// A memory pool of fixed-size pinned blocks, like Kestrel's own, but with a block size of our choosing.
/// </summary>
/// <remarks>
/// Kestrel's socket transport receives into one pool block at a time, so the block size is the largest
/// <c>recv</c> it makes. With Kestrel's 4 KiB blocks, 512 MiB into <c>/discard</c> took 262,148 <c>recvfrom</c>
/// calls (half of them the zero-byte "wait for data" receive) and 2.5 s of agent CPU per GiB; with 1 MiB
/// blocks, 1,096 calls and 0.15-0.35 s per GiB (bench/ANALYSIS.md). An idle connection holds no block at all (the
/// transport waits for data before it rents one), so idle sessions cost the same. Free blocks beyond
/// <see cref="MaxRetained"/> go back to the GC instead of the pool, so a burst does not pin its peak for the
/// life of the process.
/// </remarks>
public sealed class BlockMemoryPool(int blockSize, int maxRetained) : MemoryPool<byte>
{
    /// <summary>
    /// The agent's block: 1 MiB, as iperf3 reads. Only the pages a receive writes become resident, so an HTTP
    /// request in a 1 MiB block costs the same RAM as in a 4 KiB one.
    /// </summary>
    public const int LargeBlock = 1024 * 1024;

    /// <summary>Kestrel's block size: for TLS connections, where an idle connection holds a read buffer.</summary>
    public const int SmallBlock = 4 * 1024;

    // LIFO: the block returned last is rented next, so a few hot blocks serve most receives and the rest of
    // the retained blocks stay untouched (their pages never become resident).
    private readonly Block[] _free = new Block[maxRetained];
    private readonly Lock _gate = new();
    private int _freeCount;
    private volatile bool _disposed;

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

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        ObjectDisposedException.ThrowIf(_disposed, this);
        Block? block = null;
        lock (_gate)
        {
            if (_freeCount > 0)
            {
                block = _free[--_freeCount];
                _free[_freeCount] = null!;
            }
        }

        block ??= new Block(this);
        block.Rented = true;
        return block;
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
            }

            // else the GC takes it
        }
    }

    private sealed class Block : IMemoryOwner<byte>
    {
        private readonly BlockMemoryPool _pool;

        public Block(BlockMemoryPool pool)
        {
            _pool = pool;
            var array = GC.AllocateUninitializedArray<byte>(pool.BlockSize, pinned: true);
            Memory = MemoryMarshal.CreateFromPinnedArray(array, 0, array.Length);
        }

        public bool Rented { get; set; }

        public Memory<byte> Memory { get; }

        public void Dispose()
        {
            if (!Rented)
            {
                return; // returned twice: keep it out of the pool once
            }

            Rented = false;
            _pool.Return(this);
        }
    }
}

/// <summary>
/// Gives Kestrel (its socket transport and its HTTP layer) pools of 1 MiB blocks: see <see cref="BlockMemoryPool"/>.
/// </summary>
public sealed class LargeBlockPoolFactory : IMemoryPoolFactory<byte>
{
    /// <summary>At most 64 free blocks (64 MiB of address space) kept per pool.</summary>
    public const int MaxRetained = 64;

    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new BlockMemoryPool(BlockMemoryPool.LargeBlock, MaxRetained);
}

/// <summary>
/// Put before <c>UseHttps</c>: TLS connections get 4 KiB blocks. Kestrel's TLS layer rents a block for
/// every read it has outstanding on the SslStream, idle or not, so with 1 MiB blocks 10,000 idle TLS sessions
/// could pin gigabytes; with 4 KiB blocks they cost what they cost in Kestrel.
/// </summary>
public sealed class TlsMemoryPool(ConnectionDelegate next) : IMemoryPoolFeature
{
    private static readonly BlockMemoryPool Pool = new(BlockMemoryPool.SmallBlock, maxRetained: 1024);

    public MemoryPool<byte> MemoryPool => Pool;

    public Task OnConnectionAsync(ConnectionContext connection)
    {
        connection.Features.Set<IMemoryPoolFeature>(this);
        return next(connection);
    }
}
