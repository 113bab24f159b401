using System.Text.Json;

namespace NetLab.Cli.Commands;

/// <summary>Errors a command reports instead of a stack trace: one line on stderr, or a JSON error document.</summary>
internal static class Fail
{
    /// <summary>Quotes and apostrophes as themselves, not \u0027: the document is read by people too, and is still valid JSON.</summary>
    private static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static int Connection(CliIO io, bool json, string message) => Write(io, json, message, ExitCodes.UsageOrConnection);

    /// <summary>Says what went wrong, as "netlab: message" on stderr, or with --json as netlab.error/1 on stdout.</summary>
    public static int Write(CliIO io, bool json, string message, int code) => Write(io, json ? io.Out : null, "netlab", message, code);

    /// <summary>
    /// The same from <paramref name="who"/> ("netlab connect"): with <paramref name="json"/> the error document goes
    /// there (stdout, or stderr for nc, whose stdout is the data), else one line on stderr. Commands in `backticks`
    /// lose them: plain text here.
    /// </summary>
    public static int Write(CliIO io, TextWriter? json, string who, string message, int code)
    {
        var plain = CommandText.Plain(message);
        if (json is not null)
        {
            json.WriteLine(JsonSerializer.Serialize(new ErrorDocument(plain, code), Readable));
        }
        else
        {
            io.Error.WriteLine($"{who}: {plain}");
        }

        return code;
    }
}
