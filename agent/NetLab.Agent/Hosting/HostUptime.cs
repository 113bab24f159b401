namespace NetLab.Agent.Hosting;

/// <summary>How long this machine has been up: what the maximum lifetime counts (an EC2 start is a boot).</summary>
internal static class HostUptime
{
    /// <summary>Time since boot (Linux: CLOCK_MONOTONIC, which Environment.TickCount64 reads).</summary>
    public static TimeSpan Now => TimeSpan.FromMilliseconds(Environment.TickCount64);
}
