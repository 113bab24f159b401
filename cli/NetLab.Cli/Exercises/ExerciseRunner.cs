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
    [property: JsonPropertyName("samples")] object? Samples = null,
    [property: JsonPropertyName("wire")] IReadOnlyList<Wire.WireConnection>? Wire = null,
    [property: JsonIgnore] IReadOnlyList<string>? Ladders = null,
    [property: JsonIgnore] Wire.WireView? View = null,
    [property: JsonIgnore] string? WireLesson = null)
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

        var wire = !exercises.Any(e => context.Wire.Fetches(e, quiet)) ? null
            : new Wire.WireRun(context.Wire.Source ?? new Wire.AgentCapture(context.Host, context.Port), context.Wire.Source is null ? [context.Port] : null);
        if (wire is not null && await wire.StartAsync(ct) is { } off && !quiet)
        {
            new ConsoleLine(0, 2).Text("wire: ", "grey").Text(off).WriteTo(io.Console);
        }

        var marked = true; // the run's start marked where its packets begin
        for (var i = 0; i < exercises.Count; i++)
        {
            var exercise = exercises[i];
            var label = $"[{i + 1}/{exercises.Count}] {exercise.Id}: {exercise.Title}";
            ExerciseResult result;
            var fetch = wire is not null && context.Wire.Fetches(exercise, quiet);
            if (fetch && !marked)
            {
                await wire!.MarkAsync(ct); // the exercises before it were not fetched: their packets are not this one's
            }

            var local = Wire.LocalEndpoints.Begin();
            if (!quiet && io.Escapes)
            {
                result = await io.Console.Status().StartAsync(Markup.Escape(label + " …"), _ => RunOneAsync(exercise, context, timeout, ct));
            }
            else
            {
                result = await RunOneAsync(exercise, context, timeout, ct);
            }

            Wire.LocalEndpoints.End();
            marked = fetch;
            if (fetch)
            {
                result = await WithWireAsync(result, exercise, wire!, local, context.Wire.Shows(exercise, io.IsTerminal && !quiet), ct);
            }

            results.Add(result);
            if (!quiet)
            {
                Render.Result(io.Console, result, i + 1, exercises.Count);
            }
        }

        if (wire is not null && context.Wire.Pcap is { } pcap && await SavePcapAsync(pcap, wire, ct) is { } saved && !quiet)
        {
            new ConsoleLine(0, 2).Text("wire: ", "grey").Text(saved).WriteTo(io.Console);
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

    /// <summary>The exercise's packets: its connections for --json, and when shown, its ladders and the lesson they teach.</summary>
    private static async Task<ExerciseResult> WithWireAsync(ExerciseResult result, Exercise exercise, Wire.WireRun wire,
        List<(NetLab.Wire.WireProtocol, System.Net.IPEndPoint)> local, bool show, CancellationToken ct)
    {
        List<(NetLab.Wire.WireProtocol, System.Net.IPEndPoint)> mine;
        lock (local)
        {
            mine = [.. local];
        }

        var view = await wire.NextAsync(mine, ct);
        if (view.Flows.Count == 0)
        {
            return result;
        }

        var drawn = show || exercise.ShowsWireByDefault; // the report draws what a terminal shows
        var lesson = drawn ? exercise.WireLesson(view) : null;
        return result with
        {
            Wire = view.Connections(),
            Ladders = show ? view.Lines() : null,
            View = drawn ? view : null,
            WireLesson = lesson,
            Teaches = show && lesson is not null ? $"{result.Teaches} {lesson}" : result.Teaches,
        };
    }

    /// <summary>Writes the run's packets to --pcap's file; says what it wrote, or why it did not.</summary>
    private static async Task<string> SavePcapAsync(FileInfo pcap, Wire.WireRun wire, CancellationToken ct)
    {
        if (wire.All.Count == 0)
        {
            return $"--pcap: no packets to save, so {pcap.Name} was not written";
        }

        try
        {
            var bytes = NetLab.Wire.Pcapng.ToBytes(wire.All.OrderBy(p => p.TimestampUtc), wire.Vantage == NetLab.Wire.WireVantage.Host ? "lab host" : "wan path");
            var temporary = pcap.FullName + ".partial";
            await File.WriteAllBytesAsync(temporary, bytes, ct);
            File.Move(temporary, pcap.FullName, overwrite: true);
            return $"{wire.All.Count} packets saved to {pcap.FullName} (open it in Wireshark, or `tshark -r {pcap.Name}`)";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"--pcap: could not write {pcap.FullName}: {e.Message}";
        }
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
