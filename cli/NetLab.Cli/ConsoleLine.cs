using System.Text;
using Spectre.Console;

namespace NetLab.Cli;

/// <summary>
/// One line of console output, laid out for the console's width by netlab rather than by Spectre, which wraps to
/// column 0 and breaks anything anywhere. Here words wrap to the line's indent, and a command (a part in
/// `backticks`) never breaks: when it does not fit where the line has got to, it starts a line of its own, and
/// when it is wider than the console it is written whole anyway, since a command broken in two cannot be copied.
/// </summary>
internal sealed class ConsoleLine(int firstIndent, int indent)
{
    private readonly List<Word> _words = [];
    private int _pendingSpaces;
    private bool _glue;

    /// <summary>A line whose wrapped parts line up under its start.</summary>
    public ConsoleLine(int indent) : this(indent, indent)
    {
    }

    /// <summary>Plain words, in a Spectre style ("grey", "red", "bold") or none.</summary>
    public ConsoleLine Text(string text, string? style = null)
    {
        foreach (var c in text)
        {
            if (c == ' ')
            {
                _pendingSpaces++;
                _glue = false;
                continue;
            }

            Append(c.ToString(), style, command: false);
        }

        return this;
    }

    /// <summary>Text in which the parts in `backticks` are commands (see <see cref="CommandText"/>).</summary>
    public ConsoleLine WithCommands(string text, string? style = null)
    {
        foreach (var (part, isCommand) in CommandText.Split(text))
        {
            if (isCommand)
            {
                Command(part, style);
            }
            else
            {
                Text(part, style);
            }
        }

        return this;
    }

    /// <summary>A command: kept whole on one line.</summary>
    public ConsoleLine Command(string command, string? style = null)
    {
        Append(command, style, command: true);
        _glue = true; // a comma or a bracket right after the command stays with it
        return this;
    }

    public void WriteTo(IAnsiConsole console)
    {
        foreach (var line in Layout(console.Profile.Width))
        {
            if (line.Width <= console.Profile.Width)
            {
                console.MarkupLine(line.Markup);
            }
            else
            {
                // One word wider than the console (a long command): whole, where Spectre would fold it.
                console.Profile.Out.Writer.WriteLine(line.Plain);
            }
        }
    }

    /// <summary>The lines as they will be written (for tests: what fits where).</summary>
    internal IReadOnlyList<string> Lines(int width) => Layout(width).Select(l => l.Plain).ToList();

    private void Append(string text, string? style, bool command)
    {
        if (_words.Count == 0 || !_glue || _pendingSpaces > 0)
        {
            _words.Add(new Word(_pendingSpaces));
            _pendingSpaces = 0;
        }

        _glue = true;
        var word = _words[^1];
        word.Command |= command;
        if (word.Parts.Count > 0 && word.Parts[^1].Style == style && !command)
        {
            word.Parts[^1] = (word.Parts[^1].Text + text, style);
        }
        else
        {
            word.Parts.Add((text, style));
        }
    }

    private List<RenderedLine> Layout(int width)
    {
        var lines = new List<RenderedLine>();
        var current = new RenderedLine(firstIndent);
        foreach (var word in _words)
        {
            var spaces = current.Empty ? 0 : Math.Max(1, word.SpacesBefore);
            if (!current.Empty && current.Width + spaces + word.Length > width)
            {
                lines.Add(current);
                current = new RenderedLine(indent);
                spaces = 0;
            }

            current.Add(word, spaces);
        }

        lines.Add(current);
        return lines;
    }

    private sealed class Word(int spacesBefore)
    {
        public int SpacesBefore { get; } = spacesBefore;

        public List<(string Text, string? Style)> Parts { get; } = [];

        public bool Command { get; set; }

        public int Length => Parts.Sum(p => p.Text.Length);
    }

    private sealed class RenderedLine(int indent)
    {
        private readonly List<(string Text, string? Style)> _pieces = [(new string(' ', indent), null)];

        public bool Empty { get; private set; } = true;

        public int Width { get; private set; } = indent;

        public string Plain => string.Concat(_pieces.Select(p => p.Text));

        /// <summary>The line in Spectre markup, one style tag per run of words in that style (the spaces between them included).</summary>
        public string Markup
        {
            get
            {
                var markup = new StringBuilder();
                for (var i = 0; i < _pieces.Count;)
                {
                    var style = _pieces[i].Style;
                    var run = new StringBuilder(_pieces[i++].Text);
                    while (i < _pieces.Count && (_pieces[i].Style == style || (_pieces[i].Style is null && _pieces[i].Text.Trim().Length == 0
                        && i + 1 < _pieces.Count && _pieces[i + 1].Style == style)))
                    {
                        run.Append(_pieces[i++].Text);
                    }

                    var escaped = Spectre.Console.Markup.Escape(run.ToString());
                    markup.Append(style is null ? escaped : $"[{style}]{escaped}[/]");
                }

                return markup.ToString();
            }
        }

        public void Add(Word word, int spaces)
        {
            if (spaces > 0)
            {
                _pieces.Add((new string(' ', spaces), null));
            }

            _pieces.AddRange(word.Parts);
            Width += spaces + word.Length;
            Empty = false;
        }
    }
}

/// <summary>
/// Commands inside netlab's sentences are written in `backticks`: the console keeps them whole, the Markdown
/// report shows them as code, and plain text (stderr, JSON) drops the backticks.
/// </summary>
internal static class CommandText
{
    /// <summary>The text as runs of prose and commands.</summary>
    public static IEnumerable<(string Text, bool IsCommand)> Split(string text)
    {
        var parts = text.Split('`');
        for (var i = 0; i < parts.Length; i++)
        {
            if (parts[i].Length > 0)
            {
                yield return (parts[i], i % 2 == 1);
            }
        }
    }

    /// <summary>The text without its backticks, for plain output.</summary>
    public static string Plain(string text) => text.Replace("`", "", StringComparison.Ordinal);
}
