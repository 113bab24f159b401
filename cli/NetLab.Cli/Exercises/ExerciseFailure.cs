using NetLab.Cli.Lab;

namespace NetLab.Cli.Exercises;

/// <summary>A check that did not hold: what was expected, and what came back.</summary>
internal sealed class ExerciseFailure(string expected, string got)
    : Exception($"expected {expected}, got {got}")
{
    public string Expected { get; } = expected;

    public string Got { get; } = got;
}

/// <summary>Checks that fail with <see cref="ExerciseFailure"/>.</summary>
internal static class Expect
{
    public static void Equal(string expected, string actual, string what)
    {
        if (expected != actual)
        {
            throw new ExerciseFailure($"{what} \"{expected}\"", $"\"{Shorten(actual)}\"");
        }
    }

    public static void That(bool condition, string expected, string got)
    {
        if (!condition)
        {
            throw new ExerciseFailure(expected, got);
        }
    }

    public static string Shorten(string text, int max = 80) => UnexpectedReplyException.Shorten(text, max);
}
