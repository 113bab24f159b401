namespace NetLab.Testing;

/// <summary>Waiting for something the agent does on its own time (a file appears, a wait is registered): polled, bounded, and named when it fails.</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> every 25 ms until it holds, for at most <paramref name="timeout"/> (default 10 s); then fails naming <paramref name="what"/>.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(25);
        }
    }
}
