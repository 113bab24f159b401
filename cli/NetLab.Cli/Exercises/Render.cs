using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace NetLab.Cli.Exercises;

/// <summary>How results look: on the console, as JSON, as a Markdown report.</summary>
internal static class Render
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static void Result(IAnsiConsole console, ExerciseResult r, int index, int count)
    {
        var verdict = r.Passed ? "[green]PASS[/]" : "[red]FAIL[/]";
        console.MarkupLine($"{verdict} [[{index}/{count}]] [bold]{Markup.Escape(r.Id)}[/]: {Markup.Escape(r.Title)} ({r.Seconds * 1000:F0} ms)");
        foreach (var (name, value) in r.Figures)
        {
            console.MarkupLine($"       {Markup.Escape(name)}: {Markup.Escape(value)}");
        }

        if (r.Error is not null)
        {
            console.MarkupLine($"       [red]{Markup.Escape(r.Error)}[/]");
        }

        console.MarkupLine($"       [grey]what it shows:[/] {Markup.Escape(r.Teaches)}");
        console.MarkupLine($"       [grey]try by hand:[/] {Markup.Escape(r.Try)}");
    }

    public static string Markdown(RunReport report)
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
            var figures = string.Join("; ", r.Figures.Select(f => $"{f.Key}: {f.Value}"));
            md.AppendLine($"| {r.Id} | {(r.Passed ? "PASS" : "FAIL")} | {Cell(r.Error ?? figures)} |");
        }

        foreach (var r in report.Exercises)
        {
            md.AppendLine();
            md.AppendLine($"## {r.Id}: {r.Title} ({(r.Passed ? "PASS" : "FAIL")})");
            md.AppendLine();
            md.AppendLine(r.Teaches);
            md.AppendLine();
            foreach (var (name, value) in r.Figures)
            {
                md.AppendLine($"- {name}: {value}");
            }

            if (r.Error is not null)
            {
                md.AppendLine($"- **{r.Error}**");
            }

            md.AppendLine();
            md.AppendLine($"Try by hand: `{r.Try}`");
        }

        return md.ToString();
    }

    private static string Cell(string text) => text.Replace("|", "\\|").Replace("\n", " ");
}
