using Liberterra.Command.Grains;

namespace Liberterra.Command.Server.Observability;

/// <summary>
/// Requests and hub calls answered "retry" because the timeline or the cluster is briefly out of reach: expected while a
/// silo dies or PostgreSQL restarts. Every client retries every few hundred milliseconds, so a line for each would be
/// thousands of lines per failover (measured: about 3,000 per silo in 10 s). Instead: one line when such a spell starts
/// (what, and why), one when it is over (how many, for how long), and one every <see cref="Reminder"/> while it lasts.
/// </summary>
public sealed partial class TransientFailures(TimeProvider clock, ILogger<TransientFailures> logger) : IDisposable
{
    /// <summary>A spell is over after this long without a failure; also how often it is looked at.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(5);

    /// <summary>How often a spell that goes on is said to go on.</summary>
    public static readonly TimeSpan Reminder = TimeSpan.FromSeconds(30);

    private readonly Lock _lock = new();
    private ITimer? _timer;
    private DateTimeOffset _start, _last, _said;
    private long _count;
    private string _lastWhat = "", _lastCause = "";

    /// <summary>Whether a failure is one a client should retry (503): the timeline or the cluster briefly out of reach.</summary>
    public static bool IsTransient(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is TimelineUnavailableException or TimeoutException or OrleansException or System.Data.Common.DbException
                or System.Net.Sockets.SocketException or OperationCanceledException)
                return true;
        }

        return false;
    }

    /// <summary>The chain of exception types down to the root, and the root's message up to its first line break.</summary>
    public static string Cause(Exception exception)
    {
        var types = new List<string>();
        for (var e = exception; e is not null; e = e.InnerException) types.Add(e.GetType().Name);
        var message = exception.GetBaseException().Message;
        var end = message.IndexOfAny(['\r', '\n']);
        return $"{string.Join(" <- ", types)}: {(end < 0 ? message : message[..end])}";
    }

    /// <summary>Counts one answer "retry" to <paramref name="what"/> (a request's method and path, a hub method).</summary>
    public void Record(string what, Exception exception)
    {
        var cause = Cause(exception);
        lock (_lock)
        {
            var now = clock.GetUtcNow();
            _lastWhat = what;
            _lastCause = cause;
            _last = now;
            if (_count++ > 0) return;
            _start = _said = now;
            LogStarted(what, cause);
            _timer ??= clock.CreateTimer(_ => Look(), null, Quiet, Quiet);
        }
    }

    private void Look()
    {
        lock (_lock)
        {
            if (_count == 0) return;
            var now = clock.GetUtcNow();
            if (now - _last >= Quiet)
            {
                LogEnded(_count, (_last - _start).TotalSeconds, _lastWhat, _lastCause);
                _count = 0;
            }
            else if (now - _said >= Reminder)
            {
                LogGoingOn(_count, (now - _start).TotalSeconds, _lastWhat, _lastCause);
                _said = now;
            }
        }
    }

    public void Dispose() => _timer?.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Answering 'retry' (503): {What}: {Cause}; until this passes, one line every 30 s")]
    private partial void LogStarted(string what, string cause);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Still answering 'retry': {Count} so far in {Seconds:0} s; the last: {What}: {Cause}")]
    private partial void LogGoingOn(long count, double seconds, string what, string cause);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Answered 'retry' {Count} times in {Seconds:0.0} s, now over; the last: {What}: {Cause}")]
    private partial void LogEnded(long count, double seconds, string what, string cause);
}
