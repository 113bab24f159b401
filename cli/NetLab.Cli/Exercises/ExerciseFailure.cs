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

    /// <summary>A reply as the report quotes it: an agent's ERROR line whole (it says what to do), anything else cut short.</summary>
    public static string Quote(string reply, int max = 80) => UnexpectedReplyException.Quote(reply, max);

    /// <summary>
    /// Throws when an HTTP response is not <paramref name="expected"/>: what the agent said, its body's first line,
    /// which for a limit says what to do (429: which budget, and a class's way out), not the HTTP client's
    /// "Response status code does not indicate success".
    /// </summary>
    public static async Task StatusAsync(HttpResponseMessage response, System.Net.HttpStatusCode expected, string what, CancellationToken ct)
    {
        if (response.StatusCode != expected)
        {
            var body = (await response.Content.ReadAsStringAsync(ct)).Split('\n')[0].Trim();
            throw new ExerciseFailure($"{(int)expected} {what}", body.Length > 0 ? body : $"{(int)response.StatusCode} {response.ReasonPhrase}");
        }
    }
}
