using System.Text;

namespace NetLab.Cli.Report;

/// <summary>Text into HTML: escaped, and netlab's `backticked` commands as code with a copy button.</summary>
internal static class Html
{
    /// <summary>
    /// Text safe in an element or a quoted attribute. Only the five characters that need it are replaced, so the
    /// page stays readable UTF-8 and well-formed XML too (the tests read it as XML).
    /// </summary>
    public static string Escape(string text)
    {
        var html = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            html.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ when char.IsControl(c) && c is not '\n' and not '\t' => "",
                _ => c.ToString(),
            });
        }

        return html.ToString();
    }

    /// <summary>
    /// Prose with commands: each part in `backticks` becomes a code element, followed by a button that copies exactly
    /// that command (from its data-copy attribute); the words between stay plain text.
    /// </summary>
    public static string WithCommands(string text)
    {
        var html = new StringBuilder();
        foreach (var (part, isCommand) in CommandText.Split(text))
        {
            if (isCommand)
            {
                var command = Escape(part);
                html.Append($"""<span class="cmd"><code>{command}</code><button type="button" class="copy" data-copy="{command}" aria-label="Copy the command {command}">Copy</button></span>""");
            }
            else
            {
                html.Append(Escape(part));
            }
        }

        return html.ToString();
    }

    /// <summary>About how wide <paramref name="text"/> is in a sans-serif font of <paramref name="size"/> (for laying out labels in SVG).</summary>
    public static double TextWidth(string text, double size) => text.Length * size * 0.6;
}
