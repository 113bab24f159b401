namespace NetLab.Agent.Storage;

/// <summary>Stored files have plain names: no path separators, no <c>..</c>, no hidden files.</summary>
internal static class FileNames
{
    /// <summary>Longest accepted name.</summary>
    public const int MaxLength = 128;

    /// <summary>The rule, in words, for error messages.</summary>
    public const string Rule = "a plain name of 1-128 characters: letters, digits, '.', '-', '_'; no '/', no '..', not starting with '.'";

    /// <summary>True when <paramref name="name"/> is a plain file name the agent will store.</summary>
    public static bool IsValid(string? name) =>
        !string.IsNullOrEmpty(name)
        && name.Length <= MaxLength
        && name[0] != '.'
        && !name.Contains("..", StringComparison.Ordinal)
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_');
}
