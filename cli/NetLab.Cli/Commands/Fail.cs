using System.Text.Json;

namespace NetLab.Cli.Commands;

/// <summary>Errors a command reports instead of a stack trace: one line on stderr, or a JSON error document.</summary>
internal static class Fail
{
    public static int Connection(CliIO io, bool json, string message) => Write(io, json, message, ExitCodes.UsageOrConnection);

    public static int Write(CliIO io, bool json, string message, int code)
    {
        if (json)
        {
            io.Out.WriteLine(JsonSerializer.Serialize(new { schema = "netlab.error/1", error = message, exitCode = code }));
        }
        else
        {
            io.Error.WriteLine($"netlab: {message}");
        }

        return code;
    }
}
