using System.Buffers;
using System.Runtime.InteropServices;

namespace NetLab.Agent.Memory;

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
internal sealed class BlockMemoryPool(int blockSize, int maxRetained, int maxLive = int.MaxValue) : MemoryPool<byte>
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
