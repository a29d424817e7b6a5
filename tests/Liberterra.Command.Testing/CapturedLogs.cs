using Microsoft.Extensions.Logging;

namespace Liberterra.Command.Testing;

/// <summary>A logger provider that keeps everything logged through it, as text and as entries.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly List<Entry> _entries = [];

    public sealed record Entry(LogLevel Level, string Category, string Message, Exception? Exception)
    {
        public override string ToString() => $"{Level} {Category} {Message} {Exception}";
    }

    public IReadOnlyList<Entry> Entries
    {
        get { lock (_entries) return [.. _entries]; }
    }

    /// <summary>Every entry as one text: category, message and the exception with its stack trace.</summary>
    public string Text => string.Join(Environment.NewLine, Entries);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner._entries) owner._entries.Add(new Entry(logLevel, category, formatter(state, exception), exception));
        }
    }
}
