using NetLab.Cli.Exercises;
using NetLab.Cli.Report;

namespace NetLab.Cli.Commands;

/// <summary>
/// The --report file, checked before the exercises run: a lab that takes seconds and then cannot save its
/// report (a folder that does not exist, a folder given as the file) has wasted them. Its extension chooses the
/// form: a web page for .html (or .htm), Markdown for anything else (.md).
/// </summary>
internal static class ReportFile
{
    /// <summary>The examples every message gives: both forms.</summary>
    private const string Examples = "e.g. --report lab-report.html or --report lab-report.md";

    /// <summary>True when <paramref name="file"/> asks for the web page.</summary>
    public static bool IsHtml(FileInfo file) =>
        file.Extension.Equals(".html", StringComparison.OrdinalIgnoreCase) || file.Extension.Equals(".htm", StringComparison.OrdinalIgnoreCase);

    /// <summary>The report in the form <paramref name="file"/>'s extension asks for; <paramref name="note"/> closes it.</summary>
    public static string Render(FileInfo file, RunReport report, string? note, DateTimeOffset at) =>
        IsHtml(file) ? HtmlReport.Page(report, note, at) : Exercises.Render.Markdown(report, note);

    /// <summary>Why <paramref name="path"/> cannot take the report, in one sentence with the form to use; null when it can.</summary>
    public static string? Problem(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return $"no file name given; {Examples}";
        }

        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return $"'{path}' is not a file name ({e.Message}); {Examples}";
        }

        if (Directory.Exists(full))
        {
            return $"{path} is a folder; give a file in it, e.g. --report {Path.Combine(path, "lab-report.html")} or --report {Path.Combine(path, "lab-report.md")}";
        }

        var folder = Path.GetDirectoryName(full);
        if (folder is not null && !Directory.Exists(folder))
        {
            return $"the folder {folder} does not exist; create it first (mkdir -p {folder}) or write the report elsewhere, {Examples}";
        }

        // Opening it for writing is the only sure test (permissions, a read-only file system); a file made for
        // the test is removed again, an existing one is left as it was (appending nothing changes nothing).
        var existed = File.Exists(full);
        try
        {
            using (new FileStream(full, FileMode.Append, FileAccess.Write))
            {
            }

            if (!existed)
            {
                File.Delete(full);
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot write {full}: {e.Message}";
        }
    }

    /// <summary>Writes the report; a failure after the check (a full disk) is a sentence too.</summary>
    public static async Task<string?> WriteAsync(FileInfo file, string text, CancellationToken ct)
    {
        try
        {
            await File.WriteAllTextAsync(file.FullName, text, ct);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"--report: cannot write {file.FullName}: {e.Message}";
        }
    }
}
