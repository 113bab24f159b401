namespace NetLab.Cli.Netcat;

/// <summary>
/// -C: a bare LF becomes CRLF (telnet's and the RFCs' line ending); a CRLF stays as it is. One converter per
/// direction of one connection, because a CR that ends one read and the LF that starts the next are one CRLF.
/// </summary>
internal sealed class CrlfConverter
{
    private bool _lastWasCr;

    /// <summary>The most <see cref="Convert"/> can write for <paramref name="inputLength"/> bytes: every one an LF.</summary>
    public static int MaxOutput(int inputLength) => inputLength * 2;

    /// <summary>Converts <paramref name="input"/> into <paramref name="output"/> (at least <see cref="MaxOutput"/> long); returns what was written.</summary>
    public Memory<byte> Convert(ReadOnlySpan<byte> input, byte[] output)
    {
        var n = 0;
        foreach (var b in input)
        {
            if (b == '\n' && !_lastWasCr)
            {
                output[n++] = (byte)'\r';
            }

            output[n++] = b;
            _lastWasCr = b == '\r';
        }

        return output.AsMemory(0, n);
    }
}
