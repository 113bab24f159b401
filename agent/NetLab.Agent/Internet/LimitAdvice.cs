namespace NetLab.Agent.Internet;

/// <summary>
/// What a class can do about a per-address limit it hit: a class behind one NAT address looks like one
/// stranger, and a host deployed for the class's network (<c>netlab up --cidr</c>) gives it class-sized limits.
/// Every per-address refusal a class can meet ends with this sentence.
/// </summary>
internal static class LimitAdvice
{
    /// <summary>The advice for a class, as the end of a refusal; nothing for a trusted source, which has the class-sized limits already.</summary>
    public static string ForClass(SourceLimits source) => source.Trusted ? "" : "; " + Class;

    /// <summary>The sentence itself.</summary>
    public const string Class = "a class behind one address? deploy with `netlab up --cidr <campus network>`";
}
