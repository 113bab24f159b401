using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.DependencyInjection;
using NetLab.Agent.Memory;
using NetLab.Agent.Pipeline;
using NetLab.Testing;

namespace NetLab.Agent.Tests.Memory;

/// <summary>The 1 MiB receive blocks that let bulk transfers run at loopback speed, and their bounds.</summary>
public class BlockMemoryPoolTests
{
    [Fact]
    public void Blocks_have_the_pool_size_and_a_larger_request_is_refused()
    {
        using var pool = new BlockMemoryPool(1024 * 1024, maxRetained: 4);
        using var block = pool.Rent(100);
        Assert.Equal(1024 * 1024, block.Memory.Length);
        Assert.Equal(1024 * 1024, pool.MaxBufferSize);
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(1024 * 1024 + 1));
    }

    [Fact]
    public void Past_max_live_the_pool_says_no_and_rent_hands_out_a_block_it_does_not_keep()
    {
        using var pool = new BlockMemoryPool(4096, maxRetained: 2, maxLive: 2);
        Assert.True(pool.TryRent(-1, out var a));
        Assert.True(pool.TryRent(-1, out var b));
        Assert.False(pool.TryRent(-1, out _));
        var extra = pool.Rent();
        Assert.Equal(4096, extra.Memory.Length);
        extra.Dispose();
        Assert.Equal(0, pool.FreeCount);
        a.Dispose();
        b.Dispose();
        Assert.Equal(2, pool.FreeCount);
        Assert.True(pool.TryRent(-1, out _));
    }

    [Fact]
    public void The_agent_pool_gives_32_large_blocks_then_small_ones_and_large_when_asked_for_more_than_small()
    {
        using var pool = new AgentMemoryPool();
        var large = Enumerable.Range(0, AgentMemoryPool.MaxLargeBlocks).Select(_ => pool.Rent(2048)).ToList();
        Assert.All(large, b => Assert.Equal(AgentMemoryPool.LargeBlock, b.Memory.Length));
        using (var small = pool.Rent(2048))
        {
            Assert.Equal(4096, small.Memory.Length);
        }

        using (var big = pool.Rent(100_000))
        {
            Assert.Equal(AgentMemoryPool.LargeBlock, big.Memory.Length);
        }

        large.ForEach(b => b.Dispose());
        Assert.Equal(AgentMemoryPool.MaxLargeBlocks, pool.Large.FreeCount);
        Assert.Equal(1, pool.Small.FreeCount);
        Assert.Equal(AgentMemoryPool.LargeBlock, pool.Rent(2048).Memory.Length);
    }

    [Fact]
    public void The_block_returned_last_is_rented_first()
    {
        using var pool = new BlockMemoryPool(4096, maxRetained: 4);
        var a = pool.Rent();
        var b = pool.Rent();
        a.Dispose();
        b.Dispose();
        Assert.Equal(2, pool.FreeCount);
        Assert.Same(b, pool.Rent());
        Assert.Same(a, pool.Rent());
        Assert.Equal(0, pool.FreeCount);
    }

    [Fact]
    public void At_most_max_retained_blocks_are_kept_and_a_double_return_counts_once()
    {
        using var pool = new BlockMemoryPool(4096, maxRetained: 3);
        var blocks = Enumerable.Range(0, 5).Select(_ => pool.Rent()).ToList();
        blocks[0].Dispose();
        blocks[0].Dispose();
        Assert.Equal(1, pool.FreeCount);
        blocks.Skip(1).ToList().ForEach(b => b.Dispose());
        Assert.Equal(3, pool.FreeCount);
    }

    [Fact]
    public void A_disposed_pool_refuses_rents_and_keeps_nothing()
    {
        var pool = new BlockMemoryPool(4096, maxRetained: 3);
        var block = pool.Rent();
        pool.Dispose();
        block.Dispose();
        Assert.Equal(0, pool.FreeCount);
        Assert.Throws<ObjectDisposedException>(() => pool.Rent());
    }

    [Fact]
    public void A_pipe_on_the_pool_receives_a_megabyte_in_one_buffer()
    {
        using var pool = new AgentMemoryPool();
        var pipe = new Pipe(new PipeOptions(pool, minimumSegmentSize: 4096));
        // What Kestrel's socket transport does before each receive: ask for a little, get the whole block.
        Assert.Equal(AgentMemoryPool.LargeBlock, pipe.Writer.GetMemory(2048).Length);
    }

    [Fact]
    public async Task Tls_connections_get_4_KiB_blocks()
    {
        var seen = 0;
        var middleware = new TlsMemoryPoolMiddleware(c =>
        {
            seen = c.Features.Get<IMemoryPoolFeature>()!.MemoryPool.MaxBufferSize;
            return Task.CompletedTask;
        });
        await middleware.OnConnectionAsync(new DefaultConnectionContext());
        Assert.Equal(4096, seen);
    }

    [Fact]
    public async Task The_agent_gives_kestrel_its_own_pool()
    {
        await using var agent = await TestAgent.StartAsync();
        var factory = agent.Host.Services.GetRequiredService<IMemoryPoolFactory<byte>>();
        Assert.IsType<AgentMemoryPoolFactory>(factory);
        using var pool = factory.Create();
        Assert.Equal(AgentMemoryPool.LargeBlock, pool.MaxBufferSize);
    }
}
