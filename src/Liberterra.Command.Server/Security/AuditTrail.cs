using System.Threading.Channels;
using Liberterra.Command.Storage;

namespace Liberterra.Command.Server.Security;

/// <summary>
/// Collects audit entries and writes them in batches (every few milliseconds, one transaction each) so that the trail
/// does not slow the write path. Accepted writes are also in the timeline itself, with their actor and time; what a
/// crash of the process can lose is the last few milliseconds of audit entries not yet written, and a crash of
/// PostgreSQL the entries of its last fraction of a second not yet flushed (see <see cref="AuditLog"/>).
/// </summary>
public sealed partial class AuditTrail(IServiceProvider services, ILogger<AuditTrail> logger) : BackgroundService
{
    private readonly Channel<AuditEntry> _pending = Channel.CreateBounded<AuditEntry>(new BoundedChannelOptions(100_000)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });

    /// <summary>How long the first entry of a batch waits for more.</summary>
    public static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(5);

    private readonly List<AuditEntry> _memory = [];

    /// <summary>Entries kept in memory when storage is in memory (quick experiments).</summary>
    public IReadOnlyList<AuditEntry> InMemory
    {
        get { lock (_memory) return [.. _memory]; }
    }

    /// <summary>
    /// Queues an entry. Text fields come from callers (a token's subject, a hub argument): control characters are
    /// removed and lengths capped, so that no entry can make the database refuse a batch.
    /// </summary>
    public ValueTask RecordAsync(AuditEntry entry) => _pending.Writer.WriteAsync(entry with
    {
        Actor = Clean(entry.Actor, 200),
        Role = Clean(entry.Role, 50),
        Action = Clean(entry.Action, 300),
        Target = Clean(entry.Target, 200),
        Address = Clean(entry.Address, 100),
    });

    public static string Clean(string text, int max)
    {
        if (text.Length == 0) return "-";
        // The usual case, on every request: nothing to remove, nothing to cut, no copy.
        var span = text.AsSpan();
        if (text.Length <= max && !span.ContainsAnyInRange('\u0000', '\u001f') && !span.ContainsAnyInRange('\u007f', '\u009f')
            && !span.ContainsAnyInRange('\ud800', '\udfff'))
            return text;
        var kept = new System.Text.StringBuilder(Math.Min(text.Length, max));
        for (var i = 0; i < text.Length && kept.Length < max; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                // A pair is kept whole or not at all.
                if (kept.Length + 2 > max) break;
                kept.Append(c).Append(text[++i]);
            }
            else if (!char.IsControl(c) && !char.IsSurrogate(c))
            {
                kept.Append(c);
            }
        }

        return kept.Length == 0 ? "-" : kept.ToString();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var log = services.GetService<AuditLog>();
        var batch = new List<AuditEntry>();
        try
        {
            while (await _pending.Reader.WaitToReadAsync(stoppingToken))
            {
                // The first entry waits a few milliseconds for others: under light load one transaction then carries
                // several requests' entries instead of one each, and it runs beside their responses, not in the middle.
                await Task.Delay(Linger, stoppingToken);
                await Drain(log, batch, CancellationToken.None);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: write what is left below.
        }

        _pending.Writer.TryComplete();
        await Drain(log, batch, CancellationToken.None);
    }

    private async Task Drain(AuditLog? log, List<AuditEntry> batch, CancellationToken ct)
    {
        while (_pending.Reader.TryRead(out var entry))
        {
            batch.Add(entry);
            if (batch.Count >= 1000) break;
        }

        if (batch.Count == 0) return;
        if (log is null)
        {
            lock (_memory) _memory.AddRange(batch);
            batch.Clear();
            return;
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await log.AppendAsync(batch, ct);
                batch.Clear();
                return;
            }
            catch (Exception ex) when (Storage.TimelineContentRefusedException.IsContentRefusal(ex))
            {
                // One entry the database will never take must not hold the others back (nor be retried for a minute):
                // they are written one at a time, and only that one is dropped, with a warning.
                await WriteOneByOne(log, batch, ct);
                batch.Clear();
                return;
            }
            catch (Exception ex) when (attempt < 30)
            {
                // The database is briefly out of reach: keep the entries and try again.
                LogRetry(ex, batch.Count, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * attempt)), ct);
            }
            catch (Exception ex)
            {
                LogLost(ex, batch.Count);
                batch.Clear();
                return;
            }
        }
    }

    private async Task WriteOneByOne(AuditLog log, List<AuditEntry> batch, CancellationToken ct)
    {
        foreach (var entry in batch)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await log.AppendAsync([entry], ct);
                    break;
                }
                catch (Exception ex) when (Storage.TimelineContentRefusedException.IsContentRefusal(ex))
                {
                    LogRefusedEntry(entry.Action, entry.Status, ex.GetBaseException().GetType().Name);
                    break;
                }
                catch (Exception ex) when (attempt < 30)
                {
                    LogRetry(ex, 1, attempt);
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * attempt)), ct);
                }
                catch (Exception ex)
                {
                    LogLost(ex, 1);
                    break;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit: the database refused one entry ({Action}, status {Status}) for its content ({Cause}); the others were written")]
    private partial void LogRefusedEntry(string action, int status, string cause);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit: {Count} entries not written yet (attempt {Attempt}); retrying")]
    private partial void LogRetry(Exception ex, int count, int attempt);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Audit: {Count} entries could not be written and were dropped")]
    private partial void LogLost(Exception ex, int count);
}
