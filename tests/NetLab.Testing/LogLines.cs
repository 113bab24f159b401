using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace NetLab.Testing;

/// <summary>
/// Collects an agent's log lines (Debug and up, NetLab's own), for tests that read what the agent decided: each is
/// "time level: message", then the exception whole (with its stack trace) on the next lines when it carries one.
/// </summary>
public sealed class LogLines : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>For <see cref="AgentOptions.ConfigureLogging"/>: only these lines, nothing on the console.</summary>
    public void Attach(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(LogLevel.Debug);
        logging.AddFilter("NetLab", LogLevel.Debug);
        logging.AddProvider(this);
    }

    public ILogger CreateLogger(string categoryName) => new Logger(_lines);

    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel}: {formatter(state, exception)}{(exception is null ? "" : $"\n{exception}")}");
    }
}
