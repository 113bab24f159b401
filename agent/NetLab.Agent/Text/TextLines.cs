using System.Buffers;

namespace NetLab.Agent.Text;

/// <summary>How a text session frames what it reads: lines ending in LF, CRLF, or telnet's CR CR LF.</summary>
internal static class TextLines
{
    /// <summary>
    /// Takes one line (without its line ending) off the buffer. At EOF an unterminated last line counts too,
    /// as nc sends it when stdin has no final newline.
    /// </summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, bool atEof, out ReadOnlySequence<byte> line, out SequencePosition lineStart)
    {
        lineStart = buffer.Start;
        var newline = buffer.PositionOf((byte)'\n');
        if (newline is null)
        {
            if (!atEof || buffer.IsEmpty)
            {
                line = default;
                return false;
            }

            line = buffer;
            buffer = buffer.Slice(buffer.End);
        }
        else
        {
            line = buffer.Slice(0, newline.Value);
            buffer = buffer.Slice(buffer.GetPosition(1, newline.Value));
        }

        // CRLF, and the CR CR LF that telnet sends when its input is a pipe.
        while (!line.IsEmpty && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r')
        {
            line = line.Slice(0, line.Length - 1);
        }

        return true;
    }
}
