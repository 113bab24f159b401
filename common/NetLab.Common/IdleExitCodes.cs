namespace NetLab;

/// <summary>What <c>netlab-agent idle-check</c> exits with; the lab host's time-to-live unit reads it (the stack reads it from this library too).</summary>
public static class IdleExitCodes
{
    /// <summary>Keep the host running.</summary>
    public const int Keep = 0;

    /// <summary>Stop the host now: its maximum lifetime is reached, or it has been idle for its time-to-live.</summary>
    public const int Stop = 3;
}
