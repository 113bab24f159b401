namespace NetLab.Agent.Hosting;

/// <summary>The time-to-live's verdict, with the reason in words for the journal.</summary>
internal sealed record IdleVerdict(bool Stop, string Reason);

/// <summary>What the time-to-live decides from.</summary>
/// <param name="AgentIdle">Time since the last lab use the agent saw; null when the agent did not answer.</param>
/// <param name="Logins">ssh logins open on the host now.</param>
/// <param name="Uptime">Time since the machine booted (an EC2 start is a boot).</param>
/// <param name="Ttl">The idle time-to-live; zero turns it off.</param>
/// <param name="MaxLifetime">The host's maximum lifetime; zero turns it off.</param>
internal sealed record IdleFacts(TimeSpan? AgentIdle, int Logins, TimeSpan Uptime, TimeSpan Ttl, TimeSpan MaxLifetime);

/// <summary>
/// Cost safety for a cloud lab host. It stops when it has run its maximum lifetime, whatever the traffic; else
/// when no lab use has been seen for the time-to-live. A freshly booted host always gets one full TTL first, an
/// open ssh login keeps it running, and an agent that does not answer at all counts as idle since boot (a
/// broken lab should not run up a bill either).
/// </summary>
internal static class IdlePolicy
{
    public static IdleVerdict Decide(IdleFacts facts)
    {
        var (idle, logins, uptime, ttl, max) = facts;
        if (max > TimeSpan.Zero && uptime >= max)
        {
            return new IdleVerdict(true, $"up {Minutes(uptime)}: the maximum lifetime of {Minutes(max)} is reached");
        }

        var left = max > TimeSpan.Zero ? $"; stops anyway in {Minutes(max - uptime)} (maximum lifetime)" : "";
        if (ttl <= TimeSpan.Zero)
        {
            return new IdleVerdict(false, $"the time-to-live is off{left}");
        }

        if (uptime < ttl)
        {
            return new IdleVerdict(false, $"up {Minutes(uptime)}, less than the time-to-live of {Minutes(ttl)}{left}");
        }

        if (logins > 0)
        {
            return new IdleVerdict(false, $"{logins} ssh login{(logins == 1 ? "" : "s")} open on the host{left}");
        }

        if (idle is not { } agentIdle)
        {
            return new IdleVerdict(true, $"the agent does not answer and the host has been up {Minutes(uptime)}");
        }

        return agentIdle >= ttl
            ? new IdleVerdict(true, $"no lab use for {Minutes(agentIdle)} (time-to-live {Minutes(ttl)})")
            : new IdleVerdict(false, $"last lab use {Minutes(agentIdle)} ago; stopping after {Minutes(ttl)} without{left}");
    }

    private static string Minutes(TimeSpan t) => t.TotalMinutes >= 120 ? $"{t.TotalHours:F1} h" : $"{t.TotalMinutes:F0} min";
}
