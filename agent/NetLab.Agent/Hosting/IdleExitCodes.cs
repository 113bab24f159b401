namespace NetLab.Agent.Hosting;

/// <summary>What <c>netlab-agent idle-check</c> exits with; the lab host's time-to-live unit reads it (the stack links this file).</summary>
internal static class IdleExitCodes
{
    /// <summary>Keep the host running.</summary>
    public const int Keep = 0;

    /// <summary>Stop the host now: its maximum lifetime is reached, or it has been idle for its time-to-live.</summary>
    public const int Stop = 3;
}
