namespace NetLab.Agent.Hosting;

/// <summary>The idle time-to-live's verdict, with the reason in words for the journal.</summary>
public sealed record IdleVerdict(bool Stop, string Reason);

/// <summary>
/// Cost safety for a cloud lab host: when no lab connection has been seen for the time-to-live, the host
/// stops itself. A freshly booted host always gets one full TTL first, and an agent that does not answer
/// at all counts as idle since boot (a broken lab should not run up a bill either).
/// </summary>
public static class IdlePolicy
{
    /// <param name="agentIdle">Time since the agent's last connection; null when the agent did not answer.</param>
    /// <param name="systemUptime">Time since the machine booted.</param>
    /// <param name="ttl">The time-to-live.</param>
    public static IdleVerdict Decide(TimeSpan? agentIdle, TimeSpan systemUptime, TimeSpan ttl)
    {
        if (ttl <= TimeSpan.Zero)
        {
            return new IdleVerdict(false, "the time-to-live is off");
        }

        if (systemUptime < ttl)
        {
            return new IdleVerdict(false, $"up {Minutes(systemUptime)}, less than the time-to-live of {Minutes(ttl)}");
        }

        if (agentIdle is not { } idle)
        {
            return new IdleVerdict(true, $"the agent does not answer and the host has been up {Minutes(systemUptime)}");
        }

        return idle >= ttl
            ? new IdleVerdict(true, $"no lab connection for {Minutes(idle)} (time-to-live {Minutes(ttl)})")
            : new IdleVerdict(false, $"last lab connection {Minutes(idle)} ago; stopping after {Minutes(ttl)} idle");
    }

    private static string Minutes(TimeSpan t) => $"{t.TotalMinutes:F0} min";
}
