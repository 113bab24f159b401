using System.Diagnostics;
using System.Text.Json.Serialization;
using Spectre.Console;
using NetLab.Cli.Lab;

namespace NetLab.Cli.Exercises;

/// <summary>One exercise's outcome, as printed and as serialized in <c>--json</c> (schema netlab.connect/3, docs/json.md).</summary>
/// <remarks><see cref="Try"/> and <see cref="Error"/> mark commands in `backticks` (see <see cref="CommandText"/>); JSON has them plain.</remarks>
internal sealed record ExerciseResult(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("passed")] bool Passed,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("figures")] IReadOnlyDictionary<string, object> Figures,
    [property: JsonPropertyName("display")] IReadOnlyDictionary<string, string> Display,
    [property: JsonPropertyName("teaches")] string Teaches,
    [property: JsonIgnore] string Try,
    [property: JsonIgnore] string? Error,
    [property: JsonPropertyName("expected")] string? Expected,
    [property: JsonPropertyName("got")] string? Got,
    [property: JsonPropertyName("samples")] object? Samples = null)
{
    [JsonPropertyName("try")]
    [JsonPropertyOrder(1)]
    public string TryText => CommandText.Plain(Try);

    [JsonPropertyName("error")]
    [JsonPropertyOrder(1)]
    public string? ErrorText => Error is null ? null : CommandText.Plain(Error);
}

/// <summary>A whole run against one agent.</summary>
internal sealed record RunReport(
    [property: JsonPropertyName("schema")] string Schema,
    [property: JsonPropertyName("host")] string Host,
    [property: JsonPropertyName("port")] int Port,
    [property: JsonPropertyName("passed")] int Passed,
    [property: JsonPropertyName("failed")] int Failed,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("exercises")] IReadOnlyList<ExerciseResult> Exercises) : IJsonDocument
{
    /// <summary>
    /// Version 3: each exercise's samples (every RTT, every UDP probe, the transfer's rate per interval, the three copies
    /// of pipe-vs-socket, every HTTP request) under <c>samples</c>. Version 2's keys are unchanged: figures are typed
    /// values (numbers with their unit in the key), their lines for people under display.
    /// </summary>
    public const string SchemaName = "netlab.connect/3";
}

/// <summary>Runs exercises one at a time, showing each result as it lands.</summary>
internal static class ExerciseRunner
{
    /// <summary>A backstop: each exercise sizes itself by time (a few seconds even over a slow path) and finishes well within it.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    public static async Task<RunReport> RunAsync(ExerciseContext context, IReadOnlyList<Exercise> exercises, CliIO io, bool quiet, TimeSpan timeout, CancellationToken ct)
    {
        var total = Stopwatch.StartNew();
        var results = new List<ExerciseResult>();
        if (!quiet)
        {
            new ConsoleLine(0, 2).Text($"netlab: {exercises.Count} {(exercises.Count == 1 ? "exercise" : "exercises")} against ")
                .Text(Lab.Net.Endpoint(context.Host, context.Port), "bold").WriteTo(io.Console);
        }

        for (var i = 0; i < exercises.Count; i++)
        {
            var exercise = exercises[i];
            var label = $"[{i + 1}/{exercises.Count}] {exercise.Id}: {exercise.Title}";
            ExerciseResult result;
            if (!quiet && io.Escapes)
            {
                result = await io.Console.Status().StartAsync(Markup.Escape(label + " …"), _ => RunOneAsync(exercise, context, timeout, ct));
            }
            else
            {
                result = await RunOneAsync(exercise, context, timeout, ct);
            }

            results.Add(result);
            if (!quiet)
            {
                Render.Result(io.Console, result, i + 1, exercises.Count);
            }
        }

        var report = new RunReport(RunReport.SchemaName, context.Host, context.Port, results.Count(r => r.Passed), results.Count(r => !r.Passed),
            Math.Round(total.Elapsed.TotalSeconds, 3), results);
        if (!quiet)
        {
            var colour = report.Failed == 0 ? "green" : "red";
            new ConsoleLine(0).Text($"{report.Passed} passed, {report.Failed} failed", colour).Text($" in {report.Seconds:F1} s").WriteTo(io.Console);
        }

        return report;
    }

    /// <summary>
    /// After a connection broke: whether the agent refuses this address for a limit now (its egress budget), in the
    /// agent's words, which say what to do; null when it does not, or does not answer within two seconds.
    /// </summary>
    private static async Task<string?> LimitAsync(ExerciseContext context, CancellationToken ct)
    {
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(TimeSpan.FromSeconds(2));
            await using var stream = new Lab.ConnectOnWriteStream(context.Host, context.Port);
            var response = await Lab.RawHttp.ExchangeAsync(stream, Lab.RawHttp.Request("GET", "/ip", context.Host), limit.Token);
            return response.Status == 429 ? response.BodyText.Split('\n')[0].Trim() : null;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or System.Net.Sockets.SocketException or Lab.UnexpectedReplyException)
        {
            return null;
        }
    }

    private static async Task<ExerciseResult> RunOneAsync(Exercise exercise, ExerciseContext context, TimeSpan timeout, CancellationToken ct)
    {
        var figures = new Figures();
        var clock = Stopwatch.StartNew();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout = exercise.Backstop(timeout);
        limit.CancelAfter(timeout);
        string? error = null, expected = null, got = null;
        try
        {
            await exercise.RunAsync(context, figures, limit.Token);
        }
        catch (ExerciseFailure failure)
        {
            (error, expected, got) = (failure.Message, failure.Expected, failure.Got);
        }
        catch (UnexpectedReplyException reply) // from Lab/: the protocol's surprise is this exercise's failure
        {
            (error, expected, got) = (reply.Message, reply.Expected, reply.Got);
        }
        catch (Exception e) when ((e is OperationCanceledException && !ct.IsCancellationRequested)
            || e is IOException or System.Net.Sockets.SocketException or System.Security.Authentication.AuthenticationException or HttpRequestException or InvalidOperationException)
        {
            error = Diagnosis.Exercise(e, context, timeout, exercise.TryByHand(context));
            if (e is not OperationCanceledException && await LimitAsync(context, ct) is { } refusal)
            {
                error = $"{error} The agent says: {refusal}"; // a connection a limit closed says no reason itself
            }
        }

        return new ExerciseResult(exercise.Id, exercise.Title, error is null, Math.Round(clock.Elapsed.TotalSeconds, 3),
            figures.Values, figures.Display, exercise.Teaches, exercise.TryByHand(context), error, expected, got, figures.Samples);
    }
}
