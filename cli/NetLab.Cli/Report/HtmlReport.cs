using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using NetLab.Cli.Exercises;

namespace NetLab.Cli.Report;

/// <summary>
/// The report as one web page (<c>--report FILE.html</c>): the run's summary, then each exercise with its verdict,
/// figures, lesson, failure, charts and the commands to try by hand, each with a copy button. Self-contained and
/// offline: its CSS and its one small script are inline, the charts inline SVG, and its Content-Security-Policy
/// lets the browser load nothing else at all. The markup is well-formed XML as well as HTML.
/// </summary>
internal static class HtmlReport
{
    /// <summary>The figures the summary shows first, where the run has them: what a network feels like, in six numbers.</summary>
    private static readonly (string Id, string Figure, string Label)[] Highlights =
    [
        ("tcp", "handshake", "TCP handshake"),
        ("echo", "RTT median", "round trip, median"),
        ("udp", "loss", "UDP loss"),
        ("transfer", "upload", "upload"),
        ("transfer", "download", "download"),
        ("tls", "version", "TLS"),
    ];

    private static readonly string Style = Asset("report.css");
    private static readonly string Script = Asset("report.js");

    /// <summary>The page for <paramref name="report"/>, made at <paramref name="at"/>; <paramref name="note"/> (how to get an agent for the commands) closes the summary.</summary>
    public static string Page(RunReport report, string? note, DateTimeOffset at)
    {
        var endpoint = Lab.Net.Endpoint(report.Host, report.Port);
        var allPassed = report.Failed == 0;
        var html = new StringBuilder();
        html.Append($"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1" />
            <meta name="color-scheme" content="light dark" />
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src '{Hash(Style)}'; script-src '{Hash(Script)}'" />
            <meta name="generator" content="netlab {Html.Escape(AgentVersion)}" />
            <title>netlab report: {Html.Escape(endpoint)}, {report.Passed} passed, {report.Failed} failed</title>
            <style>{Style}</style>
            </head>
            <body>
            <header class="summary {(allPassed ? "pass" : "fail")}">
            <p class="kicker">netlab report</p>
            <h1>{Html.Escape(endpoint)}</h1>
            <p class="verdict">{(allPassed ? "✓" : "✗")} {(allPassed ? $"All {report.Passed} exercises passed" : $"{report.Failed} of {report.Exercises.Count} exercises failed")}</p>
            <dl class="facts">
            <div><dt>host</dt><dd>{Html.Escape(report.Host)}</dd></div>
            <div><dt>port</dt><dd>{report.Port}</dd></div>
            <div><dt>passed</dt><dd>{report.Passed}</dd></div>
            <div><dt>failed</dt><dd>{report.Failed}</dd></div>
            <div><dt>time</dt><dd>{Seconds(report.Seconds)}</dd></div>
            <div><dt>run</dt><dd><time datetime="{at.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}">{at.UtcDateTime:yyyy-MM-dd HH:mm} UTC</time></dd></div>
            </dl>

            """);
        var highlights = Highlights
            .Select(h => (h.Id, h.Label, Value: report.Exercises.FirstOrDefault(e => e.Id == h.Id)?.Display.GetValueOrDefault(h.Figure)))
            .Where(h => h.Value is not null).ToList();
        if (highlights.Count > 0)
        {
            html.Append("""<ul class="highlights" aria-label="Key figures">""");
            foreach (var (id, label, value) in highlights)
            {
                html.Append($"""<li><a href="#{Html.Escape(id)}"><span class="label">{Html.Escape(label)}</span> <span class="value">{Html.Escape(value!)}</span></a></li>""");
            }

            html.Append("</ul>\n");
        }

        html.Append("""<nav aria-label="Exercises"><ol class="toc">""").Append('\n');
        foreach (var r in report.Exercises)
        {
            html.Append($"""<li><a class="{Verdict(r)}" href="#{Html.Escape(r.Id)}"><span class="mark" aria-label="{(r.Passed ? "passed" : "failed")}">{(r.Passed ? "✓" : "✗")}</span> {Html.Escape(r.Id)}</a></li>""").Append('\n');
        }

        html.Append("</ol></nav>\n");
        if (note is not null)
        {
            html.Append($"""<p class="note">{Html.WithCommands(note)}</p>""").Append('\n');
        }

        html.Append("</header>\n<main>\n");
        for (var i = 0; i < report.Exercises.Count; i++)
        {
            Exercise(html, report.Exercises[i], i + 1, report);
        }

        html.Append($"""
            </main>
            <footer><p>Made by netlab {Html.Escape(AgentVersion)}. This page is one file: it works offline and loads nothing from anywhere. The same run as data: <code>--json</code>.</p></footer>
            <script>{Script}</script>
            </body>
            </html>

            """);
        return html.ToString();
    }

    private static void Exercise(StringBuilder html, ExerciseResult r, int index, RunReport run)
    {
        var id = Html.Escape(r.Id);
        html.Append($"""
            <section class="exercise {Verdict(r)}" id="{id}" data-exercise="{id}" aria-labelledby="{id}-h">
            <h2 id="{id}-h"><span class="badge">{(r.Passed ? "✓ PASS" : "✗ FAIL")}</span> <span class="title">{Html.Escape(r.Title)}</span> <span class="meta"><span class="n">{index}/{run.Exercises.Count}</span> <code class="id">{id}</code> <span class="took">{Duration(r.Seconds)}</span></span></h2>

            """);
        var charts = Charts.For(r, run).Concat(LadderCharts.For(r.Id, r.View)).ToList();
        html.Append($"""<div class="body{(charts.Count > 0 ? " with-charts" : "")}"><div class="words">""");
        // What the ladders beside it show, when the console did not say it already.
        var teaches = r.Ladders is null && r.View is not null && r.WireLesson is { } lesson ? $"{r.Teaches} {lesson.Replace(" above", " in the ladder", StringComparison.Ordinal)}" : r.Teaches;
        html.Append($"""<p class="teaches">{Html.Escape(teaches)}</p>""");
        if (r.Error is not null)
        {
            html.Append($"""<div class="failure" role="alert"><p class="error">{Html.WithCommands(r.Error)}</p>""");
            if (r.Expected is not null || r.Got is not null)
            {
                html.Append($"""<dl><div><dt>expected</dt><dd>{Html.Escape(r.Expected ?? "")}</dd></div><div><dt>got</dt><dd>{Html.Escape(r.Got ?? "")}</dd></div></dl>""");
            }

            html.Append("</div>\n");
        }

        if (r.Display.Count > 0)
        {
            html.Append("""<dl class="figures">""");
            foreach (var (name, value) in r.Display)
            {
                // A long value (a sentence, a list of addresses) takes a whole row rather than a narrow, tall card.
                html.Append($"""<div{(value.Length > 32 ? " class=\"wide\"" : "")}><dt>{Html.Escape(name)}</dt><dd>{Html.Escape(value)}</dd></div>""");
            }

            html.Append("</dl>\n");
        }

        html.Append($"""<div class="try"><h3>Try it by hand</h3><p>{Html.WithCommands(r.Try)}</p></div></div>""").Append('\n');
        if (charts.Count > 0)
        {
            html.Append("""<div class="charts">""");
            foreach (var chart in charts)
            {
                html.Append($"<figure><figcaption>{Html.Escape(chart.Title)}</figcaption>").Append(chart).Append("</figure>");
            }

            html.Append("</div>\n");
        }

        html.Append("</div>\n</section>\n\n");
    }

    private static string Verdict(ExerciseResult r) => r.Passed ? "pass" : "fail";

    private static string Seconds(double seconds) => string.Create(CultureInfo.InvariantCulture, $"{seconds:F1} s");

    private static string Duration(double seconds) => seconds >= 1 ? Seconds(seconds) : string.Create(CultureInfo.InvariantCulture, $"{seconds * 1000:F0} ms");

    private static string AgentVersion => NetLab.Agent.Hosting.AgentHost.Version;

    /// <summary>A CSP source for an inline block: the browser runs or applies it only if its text hashes to this.</summary>
    private static string Hash(string text) => "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static string Asset(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"NetLab.Cli.Report.{name}")
            ?? throw new InvalidOperationException($"the report's {name} is not embedded in netlab");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
