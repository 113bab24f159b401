namespace NetLab;

/// <summary>
/// The lab's tags on its cloud resources, defined once: the stack sets them, <c>netlab status</c>, <c>start</c>
/// and <c>down</c> look them up.
/// </summary>
public static class LabTag
{
    /// <summary>On every resource of the lab.</summary>
    public const string Key = "netlab:lab";

    /// <summary>The value of <see cref="Key"/>.</summary>
    public const string Value = "NetLabCloud";

    /// <summary>On the instance: its cost ceiling, the hours after each start at which AWS stops it (0: none).</summary>
    public const string MaxHoursKey = "netlab:max-hours";
}
