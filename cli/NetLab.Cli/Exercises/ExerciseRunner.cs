using System.Diagnostics;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace NetLab.Cli.Exercises;

/// <summary>One exercise's outcome, as printed and as serialized in <c>--json</c> (schema netlab.connect/1).</summary>
public sealed record ExerciseResult(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("passed")] bool Passed,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("figures")] IReadOnlyDictionary<string, string> Figures,
    [property: JsonPropertyName("teaches")] string Teaches,
    [property: JsonPropertyName("try")] string Try,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("expected")] string? Expected,
    [property: JsonPropertyName("got")] string? Got);

/// <summary>A whole run against one agent.</summary>
public sealed record RunReport(
    [property: JsonPropertyName("schema")] string Schema,
    [property: JsonPropertyName("host")] string Host,
    [property: JsonPropertyName("port")] int Port,
    [property: JsonPropertyName("passed")] int Passed,
    [property: JsonPropertyName("failed")] int Failed,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("exercises")] IReadOnlyList<ExerciseResult> Exercises);

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
            io.Console.MarkupLine($"netlab: {exercises.Count} exercises against [bold]{Markup.Escape(Lab.Net.Endpoint(context.Host, context.Port))}[/]");
        }

        for (var i = 0; i < exercises.Count; i++)
        {
            var exercise = exercises[i];
            var label = $"[{i + 1}/{exercises.Count}] {exercise.Id}: {exercise.Title}";
            ExerciseResult result;
            if (!quiet && io.IsTerminal)
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

        var report = new RunReport("netlab.connect/1", context.Host, context.Port, results.Count(r => r.Passed), results.Count(r => !r.Passed),
            Math.Round(total.Elapsed.TotalSeconds, 3), results);
        if (!quiet)
        {
            var colour = report.Failed == 0 ? "green" : "red";
            io.Console.MarkupLine($"[{colour}]{report.Passed} passed, {report.Failed} failed[/] in {report.Seconds:F1} s");
        }

        return report;
    }

    private static async Task<ExerciseResult> RunOneAsync(Exercise exercise, ExerciseContext context, TimeSpan timeout, CancellationToken ct)
    {
        var figures = new Figures();
        var clock = Stopwatch.StartNew();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
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
        catch (Exception e) when ((e is OperationCanceledException && !ct.IsCancellationRequested)
            || e is IOException or System.Net.Sockets.SocketException or System.Security.Authentication.AuthenticationException or HttpRequestException or InvalidOperationException)
        {
            error = Diagnosis.Exercise(e, context, timeout, exercise.TryByHand(context.Host, context.Port));
        }

        return new ExerciseResult(exercise.Id, exercise.Title, error is null, Math.Round(clock.Elapsed.TotalSeconds, 3),
            figures.ToDictionary(f => f.Key, f => f.Value), exercise.Teaches, exercise.TryByHand(context.Host, context.Port), error, expected, got);
    }
}
