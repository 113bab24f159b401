using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace NetLab.Cli.Exercises;

/// <summary>How results look: on the console, as JSON, as a Markdown report.</summary>
internal static class Render
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>How far figures, lessons and commands sit under their PASS/FAIL line; wrapped lines keep it.</summary>
    private const int Indent = 7;

    public static void Result(IAnsiConsole console, ExerciseResult r, int index, int count)
    {
        new ConsoleLine(0, Indent)
            .Text(r.Passed ? "PASS" : "FAIL", r.Passed ? "green" : "red")
            .Text($" [{index}/{count}] ").Text(r.Id, "bold").Text($": {r.Title} ({r.Seconds * 1000:F0} ms)")
            .WriteTo(console);
        foreach (var (name, value) in r.Display)
        {
            new ConsoleLine(Indent).Text($"{name}: {value}").WriteTo(console);
        }

        if (r.Error is not null)
        {
            new ConsoleLine(Indent).WithCommands(r.Error, "red").WriteTo(console);
        }

        foreach (var line in r.Ladders ?? [])
        {
            new ConsoleLine(Indent).Command(line).WriteTo(console); // a ladder line is never folded
        }

        new ConsoleLine(Indent).Text("what it shows:", "grey").Text(" " + r.Teaches).WriteTo(console);
        new ConsoleLine(Indent).Text("try by hand:", "grey").Text(" ").WithCommands(r.Try).WriteTo(console);
    }

    /// <summary>The report as Markdown; <paramref name="note"/> (how to get an agent for the commands) closes it.</summary>
    public static string Markdown(RunReport report, string? note = null)
    {
        var md = new StringBuilder();
        md.AppendLine($"# netlab report: {report.Host}:{report.Port}");
        md.AppendLine();
        md.AppendLine($"{report.Passed} passed, {report.Failed} failed in {report.Seconds:F1} s, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC.");
        md.AppendLine();
        md.AppendLine("| exercise | result | figures |");
        md.AppendLine("|---|---|---|");
        foreach (var r in report.Exercises)
        {
            var figures = string.Join("; ", r.Display.Select(f => $"{f.Key}: {f.Value}"));
            md.AppendLine($"| {r.Id} | {(r.Passed ? "PASS" : "FAIL")} | {Cell(r.ErrorText ?? figures)} |");
        }

        foreach (var r in report.Exercises)
        {
            md.AppendLine();
            md.AppendLine($"## {r.Id}: {r.Title} ({(r.Passed ? "PASS" : "FAIL")})");
            md.AppendLine();
            md.AppendLine(r.Teaches);
            md.AppendLine();
            foreach (var (name, value) in r.Display)
            {
                md.AppendLine($"- {name}: {value}");
            }

            if (r.Error is not null)
            {
                md.AppendLine($"- **{r.Error}**");
            }

            md.AppendLine();
            md.AppendLine($"Try by hand: {r.Try}");
        }

        if (note is not null)
        {
            md.AppendLine();
            md.AppendLine(note);
        }

        return md.ToString();
    }

    private static string Cell(string text) => text.Replace("|", "\\|").Replace("\n", " ");
}
