using System.Net.Sockets;
using System.Security.Authentication;
using NetLab.Cli.Lab;

namespace NetLab.Cli.Exercises;

/// <summary>
/// What went wrong, in one sentence of its own for each kind of failure (a timeout, a refusal, a reset, a TLS
/// alert, an HTTP error), and what to try next: never a raw .NET message alone, never a guess dressed as a fact.
/// </summary>
internal static class Diagnosis
{
    /// <summary>An exercise that failed with an exception rather than a check.</summary>
    public static string Exercise(Exception e, ExerciseContext context, TimeSpan timeout, string tryByHand) => e switch
    {
        OperationCanceledException =>
            $"no answer within {timeout.TotalSeconds:0} s: the agent accepted but stopped answering, or the path lost everything. Try by hand: {tryByHand}",
        SocketException socket => NetErrors.Describe(socket, context.Host, context.Port),
        IOException { InnerException: SocketException socket } => NetErrors.Describe(socket, context.Host, context.Port),
        AuthenticationException tls =>
            $"the TLS handshake failed: {NetWords.Tls(tls)}. Try: `openssl s_client -connect {Net.Endpoint(context.Host, context.Port)}`",
        HttpRequestException http =>
            $"HTTP failed: {http.InnerException?.Message ?? http.Message}. Try: `curl -v http://{Net.Endpoint(context.Host, context.Port)}/`",
        IOException io =>
            $"the connection broke: {io.Message}. Try by hand: {tryByHand}",
        _ => e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message,
    };
}
